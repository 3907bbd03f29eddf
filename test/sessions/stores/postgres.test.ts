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

describeWithService("postgres data column", await postgres(), () => {
  const withSchema = async (body: (schema: string, admin: pg.Client) => Promise<void>) => {
    const schema = `cherry_test_${randomBytes(4).toString("hex")}`;
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    try {
      await body(schema, admin);
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
    }
  };

  it("creates it as json, which keeps the text as written (the manager compares that text)", async () => {
    await withSchema(async (schema, admin) => {
      const store = await PostgresStore.connect({ url: POSTGRES_URL, schema, poolSize: 2 });
      try {
        const { rows } = await admin.query(
          "SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = $1::regclass AND attname = 'data'",
          [`"${schema}".cherry_sessions`],
        );
        expect(rows[0].type).toBe("json");
        const id = "b".repeat(40);
        const json = '{"z":1,"a":"a\\u0000b"}';
        await store.set(id, { data: JSON.parse(json), expiresAt: Date.now() + 60_000, json });
        expect((await store.get(id))?.json).toBe(json);
      } finally {
        await store.close();
      }
    });
  });

  it("on a jsonb table an earlier cherry made, fails a value jsonb cannot hold naming its key, not as an outage", async () => {
    await withSchema(async (schema, admin) => {
      await admin.query(`CREATE SCHEMA "${schema}"`);
      await admin.query(
        `CREATE TABLE "${schema}".cherry_sessions (id text PRIMARY KEY, data jsonb NOT NULL, expires_at timestamptz NOT NULL)`,
      );
      const store = await PostgresStore.connect({ url: POSTGRES_URL, schema, poolSize: 2 });
      try {
        const id = "c".repeat(40);
        const expiresAt = Date.now() + 60_000;
        for (const [key, value] of [
          ["nickname", "a\u0000b"],
          ["emoji half", "\ud83d"],
          ["nested", { deep: ["\udc00"] }],
          ["nul\u0000key", 1],
        ] as const) {
          const data = { fine: "yes", [key]: value };
          const failure = Promise.resolve(store.set(id, { data, expiresAt }));
          await expect(failure).rejects.toMatchObject({ code: "E_SESSION_VALUE" });
          await expect(failure).rejects.toThrow(`session value ${JSON.stringify(key)} cannot be stored`);
        }
        // Everything jsonb can hold still works there, escaped backslashes included.
        const fine = { text: "\\u0000 is six characters here", pair: "🍒" };
        await store.set(id, { data: fine, expiresAt });
        expect((await store.get(id))?.data).toEqual(fine);
        expect(await store.update(id, { data: { ...fine, n: 2 }, expiresAt })).toBe(true);
        await expect(
          Promise.resolve(store.update(id, { data: { bad: "\u0000" }, expiresAt })),
        ).rejects.toMatchObject({ code: "E_SESSION_VALUE" });
      } finally {
        await store.close();
      }
    });
  });
});
