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

/**
 * Reports a fault without request data. Database errors are logged by SQLSTATE and routine only:
 * their messages quote the offending values, which come from resources and queries.
 */
export function reportFault(err: unknown, message: string): void {
  const e = err as { name?: string; code?: string; message?: string; stack?: string; severity?: string; routine?: string };
  const fromDatabase = typeof e?.severity === 'string' && typeof e?.code === 'string';
  const details = fromDatabase
    ? { type: e.name, code: e.code, routine: e.routine }
    : { type: e?.name, code: e?.code, message: e?.message, stack: e?.stack };
  faultLog.error({ err: details }, message);
}
