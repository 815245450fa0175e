/** Git objects built by isomorphic-git inside workerd: ids and zlib bytes match what git itself produces. */
import { describe, expect, it } from "vitest";
import { ObjectBuilder } from "../../src/coordinator/archive/git-objects";

async function inflate(bytes: Uint8Array): Promise<string> {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new TextDecoder().decode(await new Response(stream).arrayBuffer());
}

describe("ObjectBuilder", () => {
  it("hashes a blob as git does and stores it zlib-deflated under objects/xx/", async () => {
    const builder = new ObjectBuilder();
    const oid = await builder.blob("hello\n");
    expect(oid).toBe("ce013625030ba8dba906f756967f9e9ca394464a"); // `echo hello | git hash-object --stdin`
    const [object] = builder.objects();
    expect(object?.path).toBe("objects/ce/013625030ba8dba906f756967f9e9ca394464a");
    expect(await inflate(object!.deflated)).toBe("blob 6\0hello\n");
  });

  it("writes a tree and a commit that reference it", async () => {
    const builder = new ObjectBuilder();
    const blob = await builder.blob("hello\n");
    const tree = await builder.tree([{ mode: "100644", path: "hello.txt", oid: blob, type: "blob" }]);
    expect(tree).toBe("aaa96ced2d9a1c8e72c56b253a0e2fe78393feb7"); // git mktree of the same entry
    const commit = await builder.commit({
      tree,
      message: "first",
      author: { name: "Pigeonhole", email: "archive@pigeonhole.invalid", timestamp: 1_700_000_000 },
    });
    const text = await inflate(builder.objects().find((o) => o.oid === commit)!.deflated);
    expect(text).toContain(`tree ${tree}\nauthor Pigeonhole <archive@pigeonhole.invalid> 1700000000 +0000`);
    expect(builder.objects()).toHaveLength(3);
  });
});
