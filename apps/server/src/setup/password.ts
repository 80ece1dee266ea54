// The first admin's password, typed by the person running setup: asked twice without echo on a
// terminal, or read from the first line of stdin when it is piped (scripts, secrets managers).
import { createInterface } from "node:readline";
import { Writable } from "node:stream";

export class PasswordInputError extends Error {
  override name = "PasswordInputError";
}

/** One line typed at the terminal, not shown while typed. */
function askHidden(question: string): Promise<string> {
  let muted = false;
  // readline echoes what is typed to its output: past the question, that output is dropped.
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  return new Promise<string>((resolve, reject) => {
    let answered = false;
    rl.on("SIGINT", () => rl.close());
    rl.on("close", () => {
      process.stderr.write("\n");
      if (!answered) reject(new PasswordInputError("No password was typed; nothing was changed."));
    });
    rl.question(question, (answer) => {
      answered = true;
      rl.close();
      resolve(answer);
    });
    muted = true;
  });
}

async function readPiped(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const [first = ""] = Buffer.concat(chunks).toString("utf8").split(/\r?\n/);
  if (first === "") throw new PasswordInputError("No password on stdin: pipe it in as the first line, or run setup at a terminal to type it.");
  return first;
}

/**
 * The password for `email`: typed twice at a terminal (the two must match), else the first line
 * of stdin. Checking it against the password rules is the caller's.
 */
export async function readPassword(email: string, rules: string): Promise<string> {
  if (!process.stdin.isTTY) return readPiped();
  const first = await askHidden(`Password for ${email} (${rules}): `);
  const second = await askHidden("The same password again: ");
  if (first !== second) throw new PasswordInputError("The two passwords differ; nothing was changed. Run setup again.");
  return first;
}
