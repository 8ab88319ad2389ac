/**
 * The dashboard's stylesheet, inlined so the page needs no second request and no asset
 * host; the CSP allows exactly this text by its hash. Colours come from custom properties
 * so dark mode is one block, and the model grid reflows from one column on a phone to as
 * many as fit.
 */
export const DASHBOARD_CSS = `
:root{color-scheme:light dark;--bg:#f4f6f9;--card:#fff;--fg:#16202c;--muted:#5b6878;--line:#dde3ea;--track:#e6ebf1;
--ok:#1f9d63;--warn:#d18a00;--bad:#d23f3f;--accent:#2f6fde;--chip:#eef2f7;--shadow:0 1px 2px rgba(16,24,40,.06)}
@media (prefers-color-scheme:dark){:root{--bg:#0e1217;--card:#171c23;--fg:#e4e9ef;--muted:#93a0b0;--line:#29313b;
--track:#262e38;--ok:#34c17f;--warn:#f0a92e;--bad:#f06262;--accent:#6ea1ff;--chip:#222a34;--shadow:none}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
header{position:sticky;top:0;z-index:1;display:flex;align-items:center;gap:12px;padding:10px 20px;
background:var(--card);border-bottom:1px solid var(--line)}
h1{font-size:17px;margin:0;font-weight:650}h1 span{color:var(--muted);font-weight:500}
h2{font-size:13px;margin:26px 0 10px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);font-weight:600}
main{max-width:1400px;margin:0 auto;padding:8px 20px 40px}
button,input{font:inherit;color:inherit}
button{border:1px solid var(--line);background:var(--card);border-radius:8px;padding:6px 12px;cursor:pointer}
button.primary{background:var(--accent);border-color:var(--accent);color:#fff;font-weight:600}
input[type=password],input[type=search]{border:1px solid var(--line);background:var(--card);border-radius:8px;padding:8px 10px;min-width:0}
.live{margin-left:auto;display:flex;align-items:center;gap:8px;color:var(--muted);font-size:13px}
.problem{color:var(--bad);font-size:13px;overflow-wrap:anywhere}
.dot{width:9px;height:9px;border-radius:50%;background:var(--muted)}
.dot.on{background:var(--ok)}.dot.stale{background:var(--bad)}
[hidden]{display:none!important}
.login{max-width:420px;margin:12vh auto;background:var(--card);border:1px solid var(--line);border-radius:14px;padding:24px;box-shadow:var(--shadow)}
.login h2{margin-top:0}
.login p{color:var(--muted);margin:0 0 16px}
.login form{display:flex;gap:8px}.login input{flex:1}
.error{color:var(--bad);margin-top:12px;font-weight:500}
.summary{display:flex;flex-wrap:wrap;gap:10px;margin-top:16px}
.stat{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:8px 14px;min-width:110px}
.stat b{display:block;font-size:20px;font-variant-numeric:tabular-nums}
.stat span{color:var(--muted);font-size:12px}
.grid{display:grid;gap:12px;grid-template-columns:repeat(auto-fill,minmax(min(100%,310px),1fr))}
.cats{grid-template-columns:repeat(auto-fill,minmax(min(100%,250px),1fr))}
.card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:14px;box-shadow:var(--shadow);min-width:0}
.card.half_open,.card.cooling{border-color:var(--warn)}.card.open{border-color:var(--bad)}.card.open .cool{color:var(--bad)}
.top{display:flex;align-items:flex-start;justify-content:space-between;gap:8px}
.name{font-weight:650;font-size:15px;overflow-wrap:anywhere}
.meta{color:var(--muted);font-size:12px;margin-top:2px}
.badge{font-size:11px;font-weight:650;border-radius:999px;padding:2px 9px;white-space:nowrap;text-transform:uppercase;letter-spacing:.04em}
.badge.closed{background:color-mix(in srgb,var(--ok) 16%,transparent);color:var(--ok)}
.badge.half_open{background:color-mix(in srgb,var(--warn) 18%,transparent);color:var(--warn)}
.badge.open{background:color-mix(in srgb,var(--bad) 16%,transparent);color:var(--bad)}
.badge.strategy{background:var(--chip);color:var(--muted)}
.cool{margin-top:8px;font-size:12px;color:var(--warn);font-weight:600;font-variant-numeric:tabular-nums}
.nums{display:grid;grid-template-columns:repeat(4,1fr);gap:6px;margin:12px 0 4px}
.nums div{background:var(--chip);border-radius:8px;padding:5px 7px;min-width:0}
.nums b{display:block;font-size:14px;font-variant-numeric:tabular-nums;white-space:nowrap}
.nums span{display:block;font-size:11px;color:var(--muted);white-space:nowrap}
.nums .good{color:var(--ok)}.nums .bad{color:var(--bad)}
.bars{margin-top:10px;display:grid;gap:8px}
.bar{display:grid;grid-template-columns:34px 1fr 86px;align-items:center;gap:4px 10px}
.bar .key{font-weight:650;font-size:12px;color:var(--muted);text-transform:uppercase}
.track{height:12px;border-radius:999px;background:var(--track);overflow:hidden}
.fill{height:100%;border-radius:999px;background:var(--ok);min-width:2px;transition:width .4s ease}
.fill.warn{background:var(--warn)}.fill.full{background:var(--bad)}.fill.zero{min-width:0}
.bar .used{font-size:12px;text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.bar .reset{grid-column:2/4;font-size:11px;color:var(--muted);margin-top:-3px;font-variant-numeric:tabular-nums}
.none{color:var(--muted);font-size:12px;margin-top:10px}
.next{margin:10px 0 8px;font-size:13px}.next b{color:var(--accent)}
.chips{display:flex;flex-wrap:wrap;gap:5px}
.chip{background:var(--chip);border-radius:6px;padding:2px 7px;font-size:12px}
.chip.pick{background:var(--accent);color:#fff;font-weight:600}
.chip.down{text-decoration:line-through;color:var(--muted)}
.tools{display:flex;flex-wrap:wrap;gap:10px;align-items:center;margin:26px 0 10px}
.tools h2{margin:0 auto 0 0}
.tools label{display:flex;gap:6px;align-items:center;color:var(--muted);font-size:13px}
@media (max-width:600px){header{padding:10px 12px}main{padding:4px 12px 32px}.live .ago{display:none}
.summary{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:8px}.stat{min-width:0;padding:6px 10px}
.cats{grid-template-columns:repeat(2,minmax(0,1fr));gap:8px}.cats .card{padding:10px}.top{flex-wrap:wrap}
.tools input[type=search]{flex:1}.login{margin:6vh auto}}
`;
