/**
 * A small NestJS app traced with langfuse-decorators: a guarded controller, a service with an
 * injected prompt, an event handler, and an image input that is stored as Langfuse media.
 */
import { Body, type CanActivate, Controller, type ExecutionContext, Get, Injectable, Module, Param, Post, UnauthorizedException, UseGuards } from "@nestjs/common";
import { EventEmitter2, EventEmitterModule, OnEvent } from "@nestjs/event-emitter";
import { Observe, Prompt, type PromptRef, type TextPromptClient } from "../../src";
import { LangfuseModule } from "../../src/integrations/nestjs";

export const SAMPLE_API_KEY = "sample-key";

@Injectable()
export class ApiKeyGuard implements CanActivate {
  canActivate(ctx: ExecutionContext): boolean {
    const key = ctx.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>().headers["x-api-key"];
    if (key !== SAMPLE_API_KEY) throw new UnauthorizedException("x-api-key required");
    return true;
  }
}

@Injectable()
export class CaptionService {
  constructor(
    @Prompt("nest-sample-caption", { fallback: "Describe this picture for {{audience}} in one sentence." }) private readonly prompt: PromptRef<TextPromptClient>,
    private readonly events: EventEmitter2,
  ) {}

  @Observe({ captureInput: false })
  async caption(image: string, audience: string): Promise<string> {
    const instruction = await this.prompt.compile({ audience });
    const caption = await this.vision([{ role: "user", content: [{ type: "text", text: instruction }, { type: "image_url", image_url: { url: image } }] }]);
    await this.events.emitAsync("caption.created", { audience, caption });
    return caption;
  }

  /** A stand-in for a vision model call (OpenAI message shape): the image part is stored as media, not inline. */
  @Observe({ asType: "generation", name: "vision-model" })
  async vision(messages: Array<{ role: string; content: unknown[] }>): Promise<string> {
    return `A picture with ${messages[0].content.length - 1} image, described as asked.`;
  }

  @Observe()
  greet(name: string): string {
    return `Hello, ${name}!`;
  }
}

@Injectable()
export class CaptionAudit {
  readonly log: string[] = [];

  @OnEvent("caption.created")
  @Observe({ name: "audit-caption" })
  record(event: { audience: string; caption: string }): void {
    this.log.push(event.caption);
  }
}

@Controller()
@UseGuards(ApiKeyGuard)
export class CaptionController {
  constructor(private readonly captions: CaptionService) {}

  @Observe()
  @Get("hello/:name")
  hello(@Param("name") name: string): { message: string } {
    return { message: this.captions.greet(name) };
  }

  @Post("captions")
  @Observe()
  async create(@Body() body: { image: string; audience?: string }): Promise<{ caption: string }> {
    return { caption: await this.captions.caption(body.image, body.audience ?? "children") };
  }
}

@Module({
  imports: [LangfuseModule.forRoot({}, { traceRequests: true }), EventEmitterModule.forRoot()],
  controllers: [CaptionController],
  providers: [CaptionService, CaptionAudit, ApiKeyGuard],
})
export class AppModule {}
