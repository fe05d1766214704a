/** Where server faults found below the HTTP layer are reported; the HTTP app points it at its logger. */
export interface FaultLog {
  error(details: object, message: string): void;
}

let faultLog: FaultLog = {
  error: (details, message) => process.stderr.write(`${JSON.stringify({ level: 50, msg: message, ...details })}\n`),
};

export function setFaultLog(log: FaultLog): void {
  faultLog = log;
}

/** Reports a fault with only its class, code and message: never request data. */
export function reportFault(err: unknown, message: string): void {
  const e = err as { name?: string; code?: string; message?: string; stack?: string };
  faultLog.error({ err: { type: e?.name, code: e?.code, message: e?.message, stack: e?.stack } }, message);
}
