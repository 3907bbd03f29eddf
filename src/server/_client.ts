/**
 * The script watch mode puts into every HTML page. It listens to the live-reload event stream:
 * - `reload`: the app or its files changed, reload the page;
 * - `hello` (sent on every connection) carries the server's instance id: a different id than the one
 *   the page first saw means the server was restarted while the tab stayed open, so reload (vite's
 *   client polls and reloads the same way); the browser's EventSource reconnects by itself every
 *   `retry` ms while the server is down;
 * - `typecheck` carries the type checker's current errors: an overlay lists them (file:line and a code
 *   frame each, in a shadow root so the app's CSS cannot touch it) and a short note says when they
 *   are fixed.
 */
export function clientScript(streamPath: string): string {
  return `<script>(()=>{
const s=new EventSource(${JSON.stringify(streamPath)});let id;
s.addEventListener("reload",()=>location.reload());
s.addEventListener("hello",(e)=>{const d=JSON.parse(e.data);if(id&&id!==d.id)location.reload();id=d.id;});
let host;
const show=(html)=>{if(!host){host=document.createElement("cherry-overlay");host.attachShadow({mode:"open"});document.documentElement.appendChild(host);}host.shadowRoot.innerHTML=html;};
const esc=(t)=>String(t).replace(/[&<>"']/g,(c)=>"&#"+c.charCodeAt(0)+";");
const css="<style>.o{position:fixed;z-index:2147483647;right:1rem;bottom:1rem;max-width:min(48rem,calc(100vw - 2rem));max-height:70vh;overflow:auto;background:#1e1e1e;color:#eee;border-left:4px solid #e5534b;border-radius:6px;box-shadow:0 4px 24px #0008;font:13px/1.45 ui-monospace,monospace;padding:.8rem 1rem}.o.ok{border-color:#3fb950}h2{font:600 14px system-ui,sans-serif;margin:0 0 .5rem}pre{margin:.3rem 0 .8rem;white-space:pre;overflow:auto}b{color:#f0a0a0}button{float:right;background:none;border:0;color:#aaa;font-size:16px;cursor:pointer}</style>";
let timer;
s.addEventListener("typecheck",(e)=>{const d=JSON.parse(e.data);clearTimeout(timer);
if(d.errors.length){show(css+'<div class="o" role="alert"><button title="close" onclick="this.parentNode.remove()">\\u00d7</button><h2>'+d.errors.length+" type error"+(d.errors.length>1?"s":"")+"</h2>"+d.errors.map((x)=>"<div><b>"+esc(x.where)+"</b> "+esc(x.message)+(x.frame?"<pre>"+esc(x.frame)+"</pre>":"")+"</div>").join("")+"</div>");}
else if(d.fixed){show(css+'<div class="o ok" role="status"><h2>type errors fixed</h2></div>');timer=setTimeout(()=>show(""),3000);}
else if(host)show("");});
})();</script>`;
}
