import type { Request, Response } from "cherry";

// Demo accounts. A real app checks a password hash (node:crypto scrypt) from its database.
const USERS: Record<string, string> = { ada: "lovelace", grace: "hopper" };

const page = (title: string, body: string) => `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${title}</title>
  <link rel="stylesheet" href="/static/style.css">
</head>
<body><main><h1>${title}</h1>${body}</main></body>
</html>`;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export default class Root {
  index(request: Request): string {
    const user = request.sessionMap.get("user") as string | undefined;
    if (user)
      return page(
        "Welcome",
        `<p id="who">Logged in as ${escapeHtml(user)}.</p><p><a href="/secret">Secret page</a></p><form method="post" action="/logout"><button id="logout">Log out</button></form>`,
      );
    const error = request.params.error ? `<p id="error" class="error">Wrong name or password.</p>` : "";
    return page(
      "Log in",
      `${error}<form method="post" action="/login">
  <label>Name <input name="name" id="name" autocomplete="username" required autofocus></label>
  <label>Password <input name="password" id="password" type="password" autocomplete="current-password" required></label>
  <button id="login">Log in</button>
</form>
<p class="hint" id="demo">Demo account: <code>ada</code> / <code>lovelace</code> (or <code>grace</code> / <code>hopper</code>).</p>`,
    );
  }

  login(request: Request, response: Response): void {
    const name = String(request.params.name ?? "");
    const password = String(request.params.password ?? "");
    if (request.method !== "POST" || USERS[name] === undefined || USERS[name] !== password) {
      response.redirect("/?error=1");
      return;
    }
    // A new id on login: an id planted before login (session fixation) is worth nothing after it.
    request.session.regenerate();
    request.sessionMap.set("user", name);
    response.redirect("/");
  }

  logout(request: Request, response: Response): void {
    request.session.destroy();
    response.redirect("/");
  }

  secret(request: Request, response: Response): string {
    const user = request.sessionMap.get("user") as string | undefined;
    if (!user) {
      response.status = 401;
      return page("Log in first", `<p>Only logged-in users see this page. <a href="/">Log in</a></p>`);
    }
    return page(
      "Secret",
      `<p id="secret">The secret of ${escapeHtml(user)}: sessions are just a pointer.</p>`,
    );
  }
}
