import { describe, expect, it } from "vitest";
import { parseTemplate } from "../../src/language/index.js";

describe("parseTemplate", () => {
  it("splits text and variables, with the digits filter", () => {
    const parsed = parseTemplate("Account {{ account | digits }}, hello {{name}}!");
    expect(parsed.template).toEqual(["Account ", { var: "account", digits: true }, ", hello ", { var: "name" }, "!"]);
    expect(parsed.variables.map((v) => v.name)).toEqual(["account", "name"]);
    expect(parsed.literalLength).toBe("Account , hello !".length);
    expect(parsed.problems).toEqual([]);
  });

  it("keeps plain text as one part and empty text as none", () => {
    expect(parseTemplate("Just text").template).toEqual(["Just text"]);
    expect(parseTemplate("").template).toEqual([]);
    expect(parseTemplate("{{a}}{{b}}").template).toEqual([{ var: "a" }, { var: "b" }]);
  });

  it("reports unclosed braces, bad names and unknown filters", () => {
    expect(parseTemplate("Hi {{name").problems[0]?.message).toBe("'{{' is never closed");
    expect(parseTemplate("Hi {{first name}}").problems[0]?.message).toBe("'first name' is not a variable name");
    expect(parseTemplate("Hi {{name | upper}}").problems[0]?.message).toBe(
      "unknown filter 'upper' in {{name | upper}}",
    );
    expect(parseTemplate("{{}}").problems).toHaveLength(1);
  });

  it("keeps {{secrets.NAME}} apart: not a variable, left out of the rendered template, kept in parts", () => {
    const parsed = parseTemplate("Bearer {{secrets.bankToken}} for {{ caller }}");
    expect(parsed.secrets.map((s) => s.name)).toEqual(["bankToken"]);
    expect(parsed.variables.map((v) => v.name)).toEqual(["caller"]);
    expect(parsed.template).toEqual(["Bearer  for ", { var: "caller" }]);
    expect(parsed.parts).toEqual(["Bearer ", { secret: "bankToken" }, " for ", { var: "caller" }]);
    expect(parseTemplate("{{secrets.bad-name}}").problems[0]?.message).toBe("'secrets.bad-name' is not a secret");
    expect(parseTemplate("{{secrets.token | digits}}").problems).toHaveLength(1);
  });
});
