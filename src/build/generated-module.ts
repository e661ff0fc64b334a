/** One module written to generated/ (see generated.ts); its own file, so the generators and their list import it
 * without importing each other. */
export interface GeneratedModule {
  /** file name under generated/ (its declarations go beside it, .d.ts) */
  file: string;
  /** repository paths it is made from: a change to any of them regenerates it */
  inputs: string[];
  generate(): { js: string; dts: string };
}
