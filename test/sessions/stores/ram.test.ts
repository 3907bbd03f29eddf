import { RamStore } from "../../../src/sessions/stores/ram.js";
import { describeStoreContract } from "../store-contract.js";

describeStoreContract("ram", async () => ({ store: new RamStore() }), {
  skip: { "corrupt data": "RAM holds live objects: nothing can be half-written or unreadable" },
});
