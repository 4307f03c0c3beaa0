import { injectable } from "tsyringe";
import { Observe } from "../../src";
import { KnowledgeBase, type Passage } from "./knowledge-base";

export interface QaAnswer {
  answer: string;
  sources: string[];
}

/** The application service under test: answers questions from the knowledge base. */
@injectable()
export class QaService {
  constructor(private readonly kb: KnowledgeBase) {}

  @Observe({ name: "qa.answer", asType: "chain" })
  async answer(question: string): Promise<QaAnswer> {
    const passages = await this.retrieve(question);
    if (passages.length === 0) return { answer: "I don't know.", sources: [] };
    return { answer: passages[0].text, sources: passages.map((p) => p.id) };
  }

  @Observe({ name: "qa.retrieve", asType: "retriever" })
  async retrieve(question: string): Promise<Passage[]> {
    return this.kb.search(question);
  }
}
