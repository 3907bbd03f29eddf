import { randomBytes } from "node:crypto";
import { createClient } from "redis";
import { RedisStore } from "../../../src/sessions/stores/redis.js";
import { describeWithService, REDIS_URL, redis } from "../../helpers/services.js";
import { describeStoreContract } from "../store-contract.js";

describeWithService("redis", await redis(), () => {
  describeStoreContract("redis", async () => {
    const prefix = `cherry-test:${randomBytes(4).toString("hex")}:`;
    const store = await RedisStore.connect({ url: REDIS_URL, prefix });
    const admin = createClient({ url: REDIS_URL });
    await admin.connect();
    return {
      store,
      corrupt: async (id) => {
        await admin.set(prefix + id, "{broken", { expiration: { type: "PX", value: 3_600_000 } });
      },
      cleanup: async () => {
        for await (const keys of admin.scanIterator({ MATCH: `${prefix}*` }))
          if (keys.length) await admin.unlink(keys);
        await admin.close();
      },
    };
  });
});
