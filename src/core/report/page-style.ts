/**
 * The page's stylesheet, inlined so the page has no external assets. Status colours always sit beside a text
 * label; the layout is one column on a phone and a grid from tablet width up; light and dark follow the system.
 */
export const PAGE_STYLE = `
:root{--bg:#fff;--fg:#1b1f24;--muted:#59636e;--line:#d1d9e0;--card:#f6f8fa;--accent:#0969da;
--built:#1a7f37;--failed:#cf222e;--headers:#9a6700;--excluded:#6e40c9;--pending:#6e7781;--bin:#0969da;
--r1:#cf222e;--r2:#bc4c00;--r3:#9a6700;--r4:#8250df;--r5:#0550ae;--r6:#57606a;--r7:#1b7c83;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;--card:#151b23;
--accent:#4493f8;--built:#3fb950;--failed:#f85149;--headers:#d29922;--excluded:#ab7df8;--pending:#9198a1;--bin:#4493f8;
--r1:#f85149;--r2:#db6d28;--r3:#d29922;--r4:#ab7df8;--r5:#58a6ff;--r6:#9198a1;--r7:#39c5cf}}
*{box-sizing:border-box}
[hidden]{display:none!important}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
header,main{max-width:1240px;margin:0 auto;padding:0 16px}
header{padding-top:20px}
h1{font-size:1.5rem;margin:0 0 4px}h2{font-size:1.2rem;margin:28px 0 10px}h3{font-size:1rem;margin:0 0 8px}
h4{font-size:.9rem;margin:8px 0 2px;font-weight:600}
.meta{color:var(--muted);margin:0;overflow-wrap:anywhere}
a{color:var(--accent)}
code,pre,.id,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,"DejaVu Sans Mono",monospace;font-size:.86em}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:10px;margin-top:16px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px;margin:0}
.count{font-size:1.6rem;font-weight:650;display:block}
.count-label{color:var(--muted)}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,540px),1fr));gap:14px}
figure figcaption{margin-bottom:4px}
svg.chart{width:100%;height:auto;display:block;max-width:720px}
.multiples{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,400px),1fr));gap:6px 18px}
.multiples svg.chart{max-width:480px}
.figure.wide{grid-column:1/-1}
.chart .axis-label,.chart .value-label,.chart .seg-label{font-size:11px;fill:var(--fg)}
.chart .axis-label{fill:var(--muted)}.chart .seg-label{fill:#fff;font-weight:600}
.chart .grid{stroke:var(--line);stroke-width:1}
.chart .line{fill:none;stroke:var(--accent);stroke-width:2}
.chart .point{fill:var(--accent)}
.bin,.swatch.bin{fill:var(--bin);background:var(--bin)}
.r-headers-unavailable{fill:var(--r3);background:var(--r3)}.r-checksum-mismatch{fill:var(--r2);background:var(--r2)}
.r-compiler-mismatch{fill:var(--r4);background:var(--r4)}.r-compile-error{fill:var(--r1);background:var(--r1)}
.r-verify-failed{fill:var(--r5);background:var(--r5)}.r-infrastructure{fill:var(--r6);background:var(--r6)}
.r-unknown{fill:var(--r7);background:var(--r7)}
.legend{list-style:none;padding:0;margin:6px 0 0;display:flex;flex-wrap:wrap;gap:4px 14px;font-size:.85rem}
.swatch{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin-right:5px;vertical-align:-1px}
.chart-note,.empty{color:var(--muted);margin:6px 0 0;font-size:.9rem}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;white-space:nowrap}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.scroll{overflow-x:auto}
.slowest{margin-top:10px;font-size:.9rem}.slowest td.id{overflow-wrap:anywhere}.slowest caption{text-align:left;font-weight:600;padding-bottom:4px}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:.82rem;font-weight:600;border:1.5px solid currentColor;white-space:nowrap}
.st-built{color:var(--built)}.st-failed{color:var(--failed)}.st-headers-unavailable{color:var(--headers)}
.st-excluded{color:var(--excluded)}.st-pending{color:var(--pending)}
.why{color:var(--muted);font-size:.85rem;margin-left:6px}
.tgt{display:none;color:var(--muted);font-size:.85rem;font-family:system-ui,sans-serif}
.filters{display:flex;flex-wrap:wrap;gap:8px 12px;align-items:end;margin-bottom:10px}
.filters label{display:flex;flex-direction:column;font-size:.85rem;color:var(--muted);gap:2px}
.filters input,.filters select{font:inherit;color:var(--fg);background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:6px 8px;min-height:36px}
.filters input{min-width:min(320px,80vw)}
#shown{margin:0 0 6px;color:var(--muted)}
/* The kernel table lays out as a grid of rows so the browser can skip rows off screen (content-visibility): a
   10,000-row auto-layout table takes seconds to lay out, this a fraction of a second. */
#cells,#cells thead,#cells tbody{display:block}
#cells tr{display:grid;grid-template-columns:minmax(0,2.4fr) minmax(0,1fr) minmax(0,.6fr) minmax(0,.7fr) minmax(0,1.7fr) minmax(0,1.3fr);border-bottom:1px solid var(--line)}
#cells th,#cells td{border:0;overflow-wrap:anywhere}
#cells tbody tr{content-visibility:auto;contain-intrinsic-size:auto 34px}
#cells tbody tr{cursor:pointer}
#cells tbody tr:hover{background:var(--card)}
#cells tbody tr:focus{outline:2px solid var(--accent);outline-offset:-2px;background:var(--card)}
:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
.hint{color:var(--muted);font-size:.85rem}
dialog{border:1px solid var(--line);border-radius:10px;background:var(--bg);color:var(--fg);padding:0;width:min(760px,96vw);max-height:92vh}
dialog::backdrop{background:rgba(0,0,0,.45)}
.dlg-head{display:flex;justify-content:space-between;gap:10px;align-items:start;padding:14px 16px;border-bottom:1px solid var(--line);position:sticky;top:0;background:var(--bg)}
.dlg-head h2{margin:0;font-size:1.05rem;overflow-wrap:anywhere}
.dlg-body{padding:12px 16px 18px}
.dlg-body dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 14px;margin:0}
.dlg-body dt{color:var(--muted)}.dlg-body dd{margin:0;overflow-wrap:anywhere}
.dlg-body pre{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:8px;white-space:pre-wrap;overflow-wrap:anywhere;max-height:40vh;overflow:auto}
.dlg-body ul{padding-left:18px;margin:4px 0}
.dlg-body li{overflow-wrap:anywhere;margin-bottom:4px}
button{font:inherit;color:var(--fg);background:var(--card);border:1px solid var(--line);border-radius:6px;padding:4px 10px;cursor:pointer}
.notes li{color:var(--muted)}
footer{max-width:1240px;margin:30px auto;padding:0 16px;color:var(--muted);font-size:.85rem}
@media (max-width:700px){
 body{font-size:14px}
 #cells thead{position:absolute;left:-9999px}
 #cells tbody tr{display:flex;justify-content:space-between;align-items:center;gap:8px}
 #cells tbody td{border:0;padding:6px 4px}
 #cells td.d,#cells td.v,#cells td.a,#cells td.t{display:none}
 .tgt{display:block}
 .dlg-body dl{grid-template-columns:1fr}.dlg-body dt{margin-top:6px}
 /* Charts shrink to the screen; their text shrinks less, so it stays readable. */
 .chart .axis-label,.chart .value-label,.chart .seg-label{font-size:15px}
}
`;
