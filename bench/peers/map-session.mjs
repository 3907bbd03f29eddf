// A hand-written session on a Map: the ceiling for any RAM session (no expiry, no locking).
import { randomBytes } from "node:crypto";
import { listen } from "./_listen.mjs";

const sessions = new Map();
listen((req, res) => {
  if (req.url === "/hello") return res.end("hello");
  const id = /sid=([0-9a-f]{40})/.exec(req.headers.cookie ?? "")?.[1];
  let session = id && sessions.get(id);
  const headers = { "Content-Type": "text/html; charset=utf-8" };
  if (!session) {
    const fresh = randomBytes(20).toString("hex");
    session = { count: 0 };
    sessions.set(fresh, session);
    headers["Set-Cookie"] = `sid=${fresh}; Path=/; HttpOnly; SameSite=Lax`;
  }
  session.count++;
  res.writeHead(200, headers);
  res.end(String(session.count));
});
