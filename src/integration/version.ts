/** `User-Agent` of every request to a business service: the project and its version. */
import pkg from "../../package.json" with { type: "json" };

export const USER_AGENT = `callflow/${pkg.version}`;
