/**
 * Runs `aura <args>` in this process (the CLI's `main`) with extra environment
 * variables, restoring the environment afterwards; returns the exit code and
 * what the command wrote. Faster than a child process where the test does not
 * need one.
 */
import { main } from '../../cli/main.js';

export interface AuraResult {
  code: number;
  out: string;
  err: string;
}

export async function auraInProcess(args: string[], env: Record<string, string>): Promise<AuraResult> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  let out = '';
  let err = '';
  try {
    const code = await main(args, { out: (s) => void (out += s), err: (s) => void (err += s) });
    return { code, out, err };
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
}
