import { randomBytes } from "node:crypto";
import pg from "pg";
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
    { skip: { "corrupt data": "jsonb refuses invalid JSON at write: a row cannot hold unreadable data" } },
  );
});
