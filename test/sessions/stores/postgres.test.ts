import { randomBytes } from "node:crypto";
import pg from "pg";
import { expect, it } from "vitest";
import { PostgresStore } from "../../../src/sessions/stores/postgres.js";
import { describeWithService, POSTGRES_URL, postgres } from "../../helpers/services.js";
import { describeStoreContract } from "../store-contract.js";

describeWithService("postgres", await postgres(), () => {
  describeStoreContract(
    "postgres",
    async () => {
      const schema = `cherry_test_${randomBytes(4).toString("hex")}`;
      const store = await PostgresStore.connect({ url: POSTGRES_URL, schema, poolSize: 4 });
      return {
        store,
        cleanup: async () => {
          const admin = new pg.Client({ connectionString: POSTGRES_URL });
          await admin.connect();
          await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
          await admin.end();
        },
      };
    },
    {
      skip: {
        "corrupt data": "the json column refuses invalid JSON at write: a row cannot hold unreadable data",
      },
    },
  );
});

describeWithService("postgres lock table", await postgres(), () => {
  it("keeps lock rows in an UNLOGGED table, switching one an earlier cherry made logged", async () => {
    const schema = `cherry_test_${randomBytes(4).toString("hex")}`;
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA "${schema}"`);
      await admin.query(
        `CREATE TABLE "${schema}".cherry_sessions_locks (id text PRIMARY KEY, token text NOT NULL, expires_at timestamptz NOT NULL)`,
      );
      const persistence = async () =>
        (
          await admin.query("SELECT relpersistence FROM pg_class WHERE oid = $1::regclass", [
            `"${schema}".cherry_sessions_locks`,
          ])
        ).rows[0].relpersistence;
      expect(await persistence()).toBe("p");
      const store = await PostgresStore.connect({ url: POSTGRES_URL, schema, poolSize: 2 });
      const release = await store.tryLock("a".repeat(40), 1000);
      expect(release).toBeTypeOf("function");
      await release?.();
      await store.close();
      expect(await persistence()).toBe("u");
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
    }
  });
});
