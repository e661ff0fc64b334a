/**
 * What a simulated callee does, per attempt, for local campaigns (the `script` column of a contacts file):
 *
 *   answer; press 1            answers, presses 1 at the first prompt, then stays silent until the flow ends
 *   answer; silence; press 2   lets the first prompt time out, presses 2 at the second
 *   answer; press 3; hangup    hangs up after pressing 3
 *   no-answer | busy | failed | error      the call does not connect (8x8's NO_ANSWER, BUSY, FAILED, ERROR)
 *   no-answer | answer; press 1            attempt 1 is not answered, attempt 2 is (later attempts repeat the last)
 *
 * An empty script answers and stays silent.
 */

export type CalleeStep = { press: string } | { silence: true } | { hangup: true };

export type CalleeAttempt =
  | { answer: true; steps: CalleeStep[] }
  | { answer: false; status: "NO_ANSWER" | "BUSY" | "FAILED" | "ERROR" };

export type CalleeScript = CalleeAttempt[];

const UNANSWERED: Record<string, "NO_ANSWER" | "BUSY" | "FAILED" | "ERROR"> = {
  "no-answer": "NO_ANSWER",
  busy: "BUSY",
  fail: "FAILED",
  failed: "FAILED",
  error: "ERROR",
};

const DTMF = /^[0-9*#]{1,25}$/;

export const SCRIPT_HELP =
  "write attempts separated by |, each `no-answer`, `busy`, `failed`, `error`, or `answer` followed by steps " +
  "`; press 1`, `; silence`, `; hangup` (e.g. `no-answer | answer; press 1`)";

/** Parse a script; throws an Error saying what is wrong (never echoing more than the offending word). */
export function parseCalleeScript(text: string): CalleeScript {
  if (text.trim() === "") return [{ answer: true, steps: [] }];
  return text.split("|").map((part) => {
    const [head = "", ...rest] = part.split(";").map((s) => s.trim().toLowerCase());
    const status = UNANSWERED[head];
    if (status) {
      if (rest.some((s) => s !== "")) throw new Error(`a '${head}' attempt takes no steps`);
      return { answer: false, status };
    }
    if (head !== "answer") throw new Error(`'${head || "(empty)"}' is not an attempt`);
    const steps = rest
      .filter((s) => s !== "")
      .map((step): CalleeStep => {
        if (step === "silence") return { silence: true };
        if (step === "hangup") return { hangup: true };
        const press = /^press\s+(\S+)$/.exec(step)?.[1];
        if (press !== undefined && DTMF.test(press)) return { press };
        throw new Error(`'${step}' is not a step`);
      });
    return { answer: true, steps };
  });
}

/** The plan for attempt `attempt` (1-based); attempts past the script repeat its last. */
export function attemptOf(script: CalleeScript, attempt: number): CalleeAttempt {
  return script[Math.min(Math.max(attempt, 1), script.length) - 1] ?? { answer: true, steps: [] };
}
