/// The dashboard at `/ui/`: one page of plain HTML, CSS and JavaScript shipped inside the binary (no external
/// fonts, scripts or images). It reads the same JSON API any client can call: the members (a paginated table
/// with counts by status, kept live by `/v1/stream`), the membership timeline, the user events with a form to
/// send one, the queries it receives, the key-value store by prefix, an aggregate with its error bound and the
/// alerts that fire, and the agent's health and traffic as small plots. The table shows 100 rows a page and is
/// redrawn at most once a frame, however many membership events arrive: 1,000 members stay usable.
enum DashboardPage {
    static let html = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>swift-gossip</title>
        <meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
        <style>
        body{font:14px system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
        header{background:#1d2330;color:#fff;padding:10px 18px;display:flex;gap:24px;align-items:baseline}
        header h1{font-size:18px;margin:0}
        main{display:grid;grid-template-columns:2fr 1fr;gap:14px;padding:14px}
        section{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:10px 12px}
        h2{font-size:15px;margin:0 0 8px}
        table{border-collapse:collapse;width:100%;table-layout:fixed}
        td,th{padding:3px 6px;border-bottom:1px solid #eef0f3;text-align:left;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
        .alive{color:#137333}.failed{color:#b3261e}.left{color:#666}.leaving{color:#b06000}
        .counts span{margin-right:12px}
        ol{margin:0;padding-left:30px;max-height:220px;overflow:auto;font-family:ui-monospace,monospace;font-size:12px}
        input,button{font:inherit}
        svg{width:100%;height:60px;background:#fafbfc}
        </style></head>
        <body>
        <header><h1 id="agent">swift-gossip</h1><span id="health"></span><span class="counts" id="counts"></span></header>
        <main>
        <section><h2>Members</h2>
        <input id="filter" placeholder="filter by name or tag" size="30">
        <button id="prev">‹</button><span id="page"></span><button id="next">›</button>
        <table><thead><tr><th>name</th><th>address</th><th>status</th><th>tags</th><th>incarnation</th></tr></thead>
        <tbody id="members"></tbody></table></section>
        <section><h2>Timeline</h2><ol id="timeline"></ol></section>
        <section><h2>User events and queries</h2>
        <form id="send"><input id="eventName" placeholder="name" required> <input id="eventPayload" placeholder="payload">
        <button>send</button> <span id="sendResult"></span></form><ol id="events"></ol>
        <h2>Queries received</h2><ol id="queries"></ol></section>
        <section><h2>Health and traffic</h2><div>packets in per second</div><svg id="plotIn"></svg>
        <div>health score</div><svg id="plotHealth"></svg></section>
        <section><h2>Key-value store</h2><input id="prefix" placeholder="prefix"> <button id="list">list and watch</button> <span id="kvState"></span>
        <table><tbody id="kv"></tbody></table></section>
        <section><h2>Aggregate</h2><input id="aggregateName" placeholder="name"> <button id="read">read</button>
        <div id="aggregate"></div><h2>Active alerts</h2><ul id="alerts"></ul></section>
        </main>
        <script>
        "use strict";
        const token = sessionStorage.getItem("gossip-token") || new URLSearchParams(location.hash.slice(1)).get("token");
        if (token) sessionStorage.setItem("gossip-token", token);
        const headers = token ? {Authorization: "Bearer " + token} : {};
        const api = (path, options = {}) => fetch(path, {...options, headers: {...headers, ...(options.headers || {})}});
        const text = (element, value) => { element.textContent = value; return element; };
        const $ = id => document.getElementById(id);
        const members = new Map();
        let page = 0;
        const pageSize = 100;
        function render() {
          const filter = $("filter").value.trim();
          const rows = [...members.values()].filter(m => !filter || m.name.includes(filter) ||
            Object.entries(m.tags).some(([k, v]) => (k + "=" + v).includes(filter))).sort((a, b) => a.name < b.name ? -1 : 1);
          const pages = Math.max(1, Math.ceil(rows.length / pageSize));
          page = Math.min(page, pages - 1);
          const body = document.createDocumentFragment();
          for (const m of rows.slice(page * pageSize, (page + 1) * pageSize)) {
            const tr = document.createElement("tr");
            tr.dataset.member = m.name;
            for (const value of [m.name, m.address + ":" + m.port, m.status,
                 Object.entries(m.tags).map(([k, v]) => k + "=" + v).join(" "), m.incarnation]) {
              tr.appendChild(text(document.createElement("td"), value));
            }
            tr.children[2].className = m.status;
            body.appendChild(tr);
          }
          $("members").replaceChildren(body);
          text($("page"), " " + (page + 1) + " / " + pages + " ");
          const counts = {};
          for (const m of members.values()) counts[m.status] = (counts[m.status] || 0) + 1;
          $("counts").replaceChildren(...Object.entries(counts).sort().map(([s, n]) => text(document.createElement("span"), s + " " + n)));
        }
        let pending = false;
        const schedule = () => { if (!pending) { pending = true; requestAnimationFrame(() => { pending = false; render(); }); } };
        function log(list, line) {
          const item = text(document.createElement("li"), new Date().toLocaleTimeString() + " " + line);
          list.prepend(item);
          while (list.children.length > 200) list.lastChild.remove();
        }
        async function loadMembers() {
          const answer = await api("/v1/members");
          if (!answer.ok) return;
          members.clear();
          for (const m of await answer.json()) members.set(m.name, m);
          schedule();
        }
        // Reads a server-sent-event stream, calling onEvent(kind, data) for each record, until it ends.
        async function readEvents(path, onEvent, signal) {
          const answer = await api(path, {signal});
          const reader = answer.body.getReader();
          const decoder = new TextDecoder();
          let buffer = "";
          for (;;) {
            const {value, done} = await reader.read();
            if (done) return;
            buffer += decoder.decode(value, {stream: true});
            let end;
            while ((end = buffer.indexOf("\\n\\n")) >= 0) {
              const record = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              onEvent((record.match(/^event: (.*)$/m) || [])[1], JSON.parse((record.match(/^data: (.*)$/m) || [, "{}"])[1]));
            }
          }
        }
        async function stream() {
          try {
            await readEvents("/v1/stream", (kind, data) => {
              if (kind === "member") {
                members.set(data.member.name, data.member);
                if (data.event === "member-reap") members.delete(data.member.name);
                log($("timeline"), data.event + " " + data.member.name);
                schedule();
              } else if (kind === "user") {
                log($("events"), data.name + " " + data.payload);
              } else if (kind === "query") {
                log($("queries"), data.name + " from " + data.from + " " + data.payload);
              }
            });
          } catch (error) {}
          setTimeout(() => { loadMembers(); stream(); }, 2000);
        }
        const series = {in: [], health: []};
        let last = null;
        function plot(svg, values) {
          const max = Math.max(1, ...values);
          const points = values.map((v, i) => (i * 300 / 59).toFixed(1) + "," + (58 - v / max * 56).toFixed(1)).join(" ");
          svg.setAttribute("viewBox", "0 0 300 60");
          svg.innerHTML = '<polyline fill="none" stroke="#1a73e8" stroke-width="1.5" points="' + points + '"/>';
        }
        async function poll() {
          const answer = await api("/v1/agent");
          if (answer.ok) {
            const agent = await answer.json();
            text($("agent"), agent.name);
            text($("health"), "health " + agent.health_score);
            if (last) series.in.push((agent.traffic.packets_in - last) / 2);
            last = agent.traffic.packets_in;
            series.health.push(agent.health_score);
            const firing = agent.alerts.filter(a => a.firing);
            $("alerts").replaceChildren(...(firing.length ? firing.map(a => text(document.createElement("li"), a.rule)) :
              [text(document.createElement("li"), "none")]));
            for (const key in series) if (series[key].length > 60) series[key].shift();
            plot($("plotIn"), series.in);
            plot($("plotHealth"), series.health);
          }
          setTimeout(poll, 2000);
        }
        $("send").addEventListener("submit", async event => {
          event.preventDefault();
          const answer = await api("/v1/events", {method: "POST",
            body: JSON.stringify({name: $("eventName").value, payload: $("eventPayload").value})});
          text($("sendResult"), answer.ok ? "sent" : (await answer.json()).error);
        });
        const kvRows = new Map();
        const decode = value => new TextDecoder().decode(Uint8Array.from(atob(value), c => c.charCodeAt(0)));
        function renderKV() {
          $("kv").replaceChildren(...[...kvRows.entries()].sort().map(([k, v]) => {
            const tr = document.createElement("tr");
            tr.append(text(document.createElement("td"), k), text(document.createElement("td"), v));
            return tr;
          }));
        }
        let watching = null;
        async function watchKV(prefix) {
          if (watching) watching.abort();
          watching = new AbortController();
          try {
            await readEvents("/v1/kv-watch?prefix=" + encodeURIComponent(prefix), (kind, change) => {
              if (kind === "hello") text($("kvState"), "watching " + (prefix || "every key"));
              if (kind !== "kv") return;
              if (change.deleted) kvRows.delete(change.key); else kvRows.set(change.key, decode(change.value));
              renderKV();
            }, watching.signal);
          } catch (error) {}
        }
        $("list").addEventListener("click", async () => {
          const prefix = $("prefix").value;
          const answer = await api("/v1/kv?prefix=" + encodeURIComponent(prefix));
          if (!answer.ok) return;
          const listing = await answer.json();
          kvRows.clear();
          for (const e of listing.entries) kvRows.set(e.key, decode(e.value));
          for (const c of listing.counters) kvRows.set(c.name, "counter " + c.value);
          renderKV();
          watchKV(prefix);
        });
        $("read").addEventListener("click", async () => {
          const answer = await api("/v1/aggregates/" + encodeURIComponent($("aggregateName").value));
          const reading = await answer.json();
          text($("aggregate"), answer.ok ? "average " + reading.average + " ± " + reading.error_bound + " over " +
            reading.members + " members (epoch " + reading.epoch + ")" : reading.error);
        });
        $("filter").addEventListener("input", () => { page = 0; schedule(); });
        $("prev").addEventListener("click", () => { page = Math.max(0, page - 1); schedule(); });
        $("next").addEventListener("click", () => { page += 1; schedule(); });
        loadMembers().then(stream);
        poll();
        </script></body></html>
        """
}
