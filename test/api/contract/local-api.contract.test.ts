import { describeApiContract } from "./api-contract";
import { localTarget } from "./targets";

describeApiContract("LocalApi on a file store", localTarget);

test("LocalApi serves one project, \"local\", the projectId its records report", async () => {
  const target = await localTarget();
  try {
    const projects = await target.api.projects.get();
    expect(projects).toEqual({ data: [{ id: "local", name: "Local project", organization: { id: "local", name: "Local" }, metadata: {} }] });
    // Callers get copies: mutating one answer does not change the next.
    projects.data[0]!.metadata.x = 1;
    expect((await target.api.projects.get()).data[0]!.metadata).toEqual({});
    const dataset = await target.api.datasets.create({ name: "projects-check" });
    expect(dataset.projectId).toBe(projects.data[0]!.id);
  } finally {
    await target.close();
  }
});
