/**
 * Git objects encoded by hand inside workerd: their ids equal the ids real git gives the same objects, so the
 * encodings are byte-identical (an id is the SHA-1 of the encoding).
 *
 * The expected ids come from the git CLI (2.x), in an empty repository:
 *   printf 'hello\n' | git hash-object -w --stdin                      → ce0136… (likewise 'one\n', 'two\n')
 *   printf '' | git mktree                                             → 4b825d… (the empty tree)
 *   printf '100644 blob <hello>\thello.txt\n' | git mktree             → aaa96c… (SUB)
 *   printf '<mode> <type> <id>\t<name>\n' per entry of MIXED_ENTRIES | git mktree → 39ccf1… (mktree sorts them)
 *   with GIT_{AUTHOR,COMMITTER}_{NAME,EMAIL}=Pigeonhole / archive@pigeonhole.invalid and _DATE="<ts> +0000":
 *   printf 'first\n' | git commit-tree <SUB>                                              (ts 1700000000) → 11dd99…
 *   printf 'mail: GreenCastle -> BlueLake | Subject 1\n\nmessage-id: 1\n' | git commit-tree <MIXED> -p <first>
 *                                                                                          (ts 1700000060) → e0c98e…
 * isomorphic-git, which wrote the archive before, gives the same five ids for the same input.
 */
import { describe, expect, it } from "vitest";
import { ObjectBuilder, type TreeEntry } from "../../src/coordinator/archive/git-objects";

const HELLO = "ce013625030ba8dba906f756967f9e9ca394464a";
const ONE = "5626abf0f72e58d7a153368ba57db4c673c0e171";
const TWO = "f719efd430d52bcfc8566a43b2eb655688d38871";
const EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
const SUB = "aaa96ced2d9a1c8e72c56b253a0e2fe78393feb7";
const MIXED = "39ccf15b97e5815f769b9dcf1bafc69640c343b3";
const FIRST = "11dd9991783d377f6623d2f7046ff906fc3b245f";
const SECOND = "e0c98e113df74e97ef80be30a3132e4110fc65e9";

/**
 * git's order is a-b, a.b, a (as "a/"), a0, naïve.md, Ａ, 😀; a plain sort puts the directory "a" first, and
 * UTF-16 order puts 😀 (surrogates D83D…) before Ａ (U+FF21) where UTF-8 bytes (F0… after EF…) do not.
 */
const MIXED_ENTRIES: TreeEntry[] = [
  { name: "a.b", oid: ONE, type: "blob" },
  { name: "a", oid: SUB, type: "tree" },
  { name: "a-b", oid: TWO, type: "blob" },
  { name: "a0", oid: ONE, type: "blob" },
  { name: "naïve.md", oid: HELLO, type: "blob" },
  { name: "\uff21", oid: ONE, type: "blob" },
  { name: "😀", oid: TWO, type: "blob" },
];

const AUTHOR = { name: "Pigeonhole", email: "archive@pigeonhole.invalid" };

describe("ObjectBuilder", () => {
  it("hashes blobs as git does and keeps their raw content", async () => {
    const builder = new ObjectBuilder();
    expect(await builder.blob("hello\n")).toBe(HELLO);
    expect(await builder.blob(new TextEncoder().encode("one\n"))).toBe(ONE);
    const [hello] = builder.objects();
    expect(hello).toEqual({ oid: HELLO, type: "blob", content: new TextEncoder().encode("hello\n") });
  });

  it("encodes trees in git's order: directories compare as name/, names byte-wise in UTF-8, mode 40000", async () => {
    const builder = new ObjectBuilder();
    expect(await builder.tree([])).toBe(EMPTY_TREE);
    expect(await builder.tree([{ name: "hello.txt", oid: HELLO, type: "blob" }])).toBe(SUB);
    expect(await builder.tree(MIXED_ENTRIES)).toBe(MIXED);
    expect(await builder.tree([...MIXED_ENTRIES].reverse())).toBe(MIXED);
  });

  it("writes commits with and without a parent", async () => {
    const builder = new ObjectBuilder();
    const first = await builder.commit({ tree: SUB, message: "first", author: { ...AUTHOR, timestamp: 1_700_000_000 } });
    expect(first).toBe(FIRST);
    const second = await builder.commit({
      tree: MIXED,
      parent: first,
      message: "mail: GreenCastle -> BlueLake | Subject 1\n\nmessage-id: 1",
      author: { ...AUTHOR, timestamp: 1_700_000_060 },
    });
    expect(second).toBe(SECOND);
    const text = new TextDecoder().decode(builder.objects().find((o) => o.oid === second)!.content);
    expect(text).toBe(
      `tree ${MIXED}\nparent ${FIRST}\nauthor Pigeonhole <archive@pigeonhole.invalid> 1700000060 +0000\n` +
        `committer Pigeonhole <archive@pigeonhole.invalid> 1700000060 +0000\n\nmail: GreenCastle -> BlueLake | Subject 1\n\nmessage-id: 1\n`,
    );
  });

  it("ends a message with exactly one newline and drops CRs and leading newlines, as the earlier commits did", async () => {
    const builder = new ObjectBuilder();
    for (const message of ["first", "first\n", "\nfirst\n\n\n", "first\r\n"]) {
      expect(await builder.commit({ tree: SUB, message, author: { ...AUTHOR, timestamp: 1_700_000_000 } }), JSON.stringify(message)).toBe(FIRST);
    }
  });

  it("lists each object once however often it was written", async () => {
    const builder = new ObjectBuilder();
    await builder.blob("hello\n");
    await builder.blob("hello\n");
    await builder.tree([{ name: "hello.txt", oid: HELLO, type: "blob" }]);
    await builder.tree([{ name: "hello.txt", oid: HELLO, type: "blob" }]);
    expect(builder.objects().map((o) => [o.type, o.oid])).toEqual([
      ["blob", HELLO],
      ["tree", SUB],
    ]);
  });
});
