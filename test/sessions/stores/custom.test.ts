import { CustomStore, type CustomStoreFunctions } from "../../../src/sessions/stores/custom.js";
import { describeStoreContract } from "../store-contract.js";

/** CherryPy 0.10's three functions (docs/contract.md §4) over a Map, async like a database client would be. */
function seedFunctions(withOptional: boolean): CustomStoreFunctions {
  const rows = new Map<string, { sessionData: string; expirationTime: number }>();
  const fns: CustomStoreFunctions = {
    async saveSessionData(sessionId, sessionData, expirationTime) {
      rows.set(sessionId, { sessionData: JSON.stringify(sessionData), expirationTime });
    },
    async loadSessionData(sessionId) {
      const row = rows.get(sessionId);
      return row ? [JSON.parse(row.sessionData), row.expirationTime] : null;
    },
    cleanUpOldSessions() {
      const now = Date.now() / 1000;
      for (const [id, row] of rows) if (row.expirationTime < now) rows.delete(id);
    },
  };
  if (!withOptional) return fns;
  return {
    ...fns,
    deleteSessionData: (sessionId) => rows.delete(sessionId),
    *listSessions() {
      for (const [sessionId, row] of rows)
        yield { sessionId, expirationTime: row.expirationTime, sessionData: JSON.parse(row.sessionData) };
    },
  };
}

const corruptSkip = "custom functions own their storage format; a bad record is theirs to report";

describeStoreContract(
  "custom (CherryPy 0.10's three functions)",
  async () => ({ store: new CustomStore(seedFunctions(false)) }),
  {
    skip: { "corrupt data": corruptSkip },
  },
);

describeStoreContract(
  "custom (with deleteSessionData and listSessions)",
  async () => ({ store: new CustomStore(seedFunctions(true)) }),
  { skip: { "corrupt data": corruptSkip } },
);
