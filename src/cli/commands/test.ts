/** `ivr test`: not built yet. */
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write("ivr test: not implemented yet\n");
  return 1;
}
