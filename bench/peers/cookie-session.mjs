// cookie-session: the whole session in a signed (not encrypted) cookie.
import { randomBytes } from "node:crypto";
import cookieSession from "cookie-session";
import express from "express";
import { listen } from "./_listen.mjs";

const app = express();
app.disable("x-powered-by");
app.use(cookieSession({ name: "session", keys: [randomBytes(32).toString("hex")] }));
app.get("/hello", (_req, res) => res.send("hello"));
app.get("/", (req, res) => {
  req.session.count = (req.session.count ?? 0) + 1;
  res.send(String(req.session.count));
});
listen(app);
