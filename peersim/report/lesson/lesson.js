// The lesson page: draws what peersim computed (peersim/report/lesson.py). No network, no
// libraries: everything it shows is in the JSON above, so the page works from a file.
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("lesson-data").textContent);
  const SVG = "http://www.w3.org/2000/svg";
  const N = data.n, F = data.f, END = data.n_sessions;
  const view = { week: 0, a: 0, b: Math.min(1, data.scenarios.length - 1), side: false,
                 person: data.outsider, colour: "safety", big: false };
  const $ = (id) => document.getElementById(id);
  // kept by reference: rendering moves it into the panels' grid, and clearing them detaches it
  const partingNode = $("parting");

  function el(tag, attrs, text) {
    const node = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4))
                                        : document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function colour(value) {
    const p = data.palettes[view.colour];
    return p[Math.max(0, Math.min(p.length - 1, Math.round(value * (p.length - 1))))];
  }
  const letter = (k) => (k === 0 ? "A" : "B");

  // --- the group circle ----------------------------------------------------------------------
  function circle(s, record, tag) {
    const size = 600, c = size / 2, r = 220;
    const label = `${tag}: the group in week ${view.week} (${s.label}), coloured by ${data.states[view.colour]}`;
    const svg = el("svg:svg", { viewBox: `0 0 ${size} ${size}`, class: "circle", role: "img",
                                "aria-label": label });
    const pos = [];
    for (let k = 0; k < N + F; k++) {
      const angle = Math.PI / 2 - (2 * Math.PI * k) / (N + F);
      pos.push([c + r * Math.cos(angle), c - r * Math.sin(angle)]);
    }
    const ended = view.week > END;
    const gone = (i) => i < N && record.gone[i];
    for (let i = 0; i < N + F; i++) {
      for (let j = i + 1; j < N + F; j++) {
        // the stronger direction of the tie; none to facilitators' own rows
        const sij = i < N ? record.ties[i][j] : 0;
        const sji = j < N ? record.ties[j][i] : 0;
        const st = Math.max(sij, sji);
        if (st > 0.02 && !gone(i) && !gone(j) && !ended) {
          svg.appendChild(el("svg:line", { x1: pos[i][0], y1: pos[i][1], x2: pos[j][0], y2: pos[j][1],
            stroke: "#1f3b5c", "stroke-opacity": Math.min(0.15 + st, 1), "stroke-width": 1 + 8 * st }));
        }
      }
    }
    for (let i = 0; i < N; i++) {
      const [x, y] = pos[i];
      const value = record.states[view.colour][i];
      const g = el("svg:g", { class: "person", "data-member": i, tabindex: "-1", style: "cursor:pointer" });
      const words = gone(i) ? "has left the group" : record.present[i] ? "present" : "absent";
      g.appendChild(el("svg:title", {}, `Participant ${i}: ${words}; ${data.states[view.colour]} ${value.toFixed(2)}`));
      if (gone(i)) {
        g.appendChild(el("svg:circle", { cx: x, cy: y, r: 22, fill: "#bbbbbb", stroke: "#777",
                                         "stroke-width": 2, "stroke-dasharray": "5 4" }));
      } else if (record.present[i]) {
        g.appendChild(el("svg:circle", { cx: x, cy: y, r: 22, fill: colour(value), stroke: "#000", "stroke-width": 1.5 }));
      } else {
        g.appendChild(el("svg:circle", { cx: x, cy: y, r: 20, fill: "#fff", stroke: colour(value), "stroke-width": 5 }));
      }
      if (i === view.person) {
        g.appendChild(el("svg:circle", { cx: x, cy: y, r: 34, fill: "none", stroke: "#d62728", "stroke-width": 5 }));
      }
      const lx = c + (x - c) * 1.27, ly = c + (y - c) * 1.27;
      g.appendChild(el("svg:text", { x: lx, y: ly + 9, "text-anchor": "middle", "font-size": 26,
                                     "font-weight": i === view.person ? 700 : 400 }, String(i)));
      g.addEventListener("click", () => { view.person = i; render(); });
      svg.appendChild(g);
    }
    for (let k = 0; k < F; k++) {
      const [x, y] = pos[N + k];
      svg.appendChild(el("svg:rect", { x: x - 20, y: y - 20, width: 40, height: 40, fill: "#fff", stroke: "#000", "stroke-width": 4 }));
      svg.appendChild(el("svg:text", { x: c + (x - c) * 1.27, y: c + (y - c) * 1.27 + 9, "text-anchor": "middle",
                                       "font-size": 24 }, `F${k + 1}`));
    }
    return svg;
  }

  function legend() {
    const div = el("div", { class: "legend", role: "note", "aria-label": "legend of the group circle" });
    const key = div.appendChild(el("div", { class: "colour-key" }));
    key.appendChild(el("b", {}, `Colour: ${data.states[view.colour]}`));
    // every colour of the scale at its place, so the jump at "safe from 0.5" shows as a jump
    const p = data.palettes[view.colour];
    const stops = p.map((c, i) => `${c} ${(100 * i) / (p.length - 1)}%`).join(", ");
    key.appendChild(el("div", { class: "scale", style: `background:linear-gradient(to right, ${stops})` }));
    const ticks = key.appendChild(el("div", { class: "ticks" }));
    ["0 low", view.colour === "safety" ? `${data.safe_threshold}: safe from here` : "0.5", "1 high"]
      .forEach((t) => ticks.appendChild(el("span", {}, t)));
    const mid = colour(0.6);
    [[`background:${mid};border:1px solid #000`, "present this week"],
     [`background:#fff;border:4px solid ${mid}`, "absent this week (hollow)"],
     ["background:#bbb;border:2px dashed #777", "has left the group (grey, ties gone)"],
     ["background:none;border:4px solid #d62728", "the chosen person (red ring)"],
     ["border-radius:0;background:#fff;border:3px solid #000", "facilitator (square)"],
     ["border-radius:0;height:0;width:26px;border-top:4px solid #1f3b5c", "tie: thicker and darker = closer"],
    ].forEach(([style, text]) => {
      const row = div.appendChild(el("div"));
      row.appendChild(el("span", { class: "key", style }));
      row.appendChild(document.createTextNode(text));
    });
    div.appendChild(el("div", {}, "Numbers: participants, as in the stories."));
    return div;
  }

  // --- one person's chart -------------------------------------------------------------------
  function chart(s, tag) {
    // large text for a projector: the labels grow, and the margins with them
    const text = view.big ? 28 : 18, k = text / 18;
    const W = 900, H = Math.round(380 + 60 * (k - 1)), L = 70 * k, R = 210 * k, T = 20 * k, B = 60 * k;
    const x = (w) => L + ((W - L - R) * w) / END, y = (v) => T + (H - T - B) * (1 - v);
    const m = view.person;
    const svg = el("svg:svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img",
      "aria-label": `${tag}: participant ${m}'s safety, connectedness, hope and self-image, weeks 0 to ${view.week}` });
    svg.appendChild(el("svg:rect", { x: L, y: T, width: W - L - R, height: H - T - B, fill: "#fafafa", stroke: "#999" }));
    for (let w = 0; w <= END; w++) {
      svg.appendChild(el("svg:text", { x: x(w), y: H - B + 26 * k, "text-anchor": "middle", "font-size": text }, String(w)));
    }
    svg.appendChild(el("svg:text", { x: L + (W - L - R) / 2, y: H - 8, "text-anchor": "middle", "font-size": text },
                       "week (0: before the first session)"));
    [0, 0.5, 1].forEach((v) => svg.appendChild(el("svg:text", { x: L - 10, y: y(v) + 6 * k, "text-anchor": "end",
                                                                "font-size": text }, String(v))));
    svg.appendChild(el("svg:line", { x1: L, x2: W - R, y1: y(data.safe_threshold), y2: y(data.safe_threshold),
                                     stroke: "#1b9e77", "stroke-dasharray": "3 5", "stroke-width": 2 }));
    svg.appendChild(el("svg:text", { x: W - R - 8, y: y(data.safe_threshold) + 22 * k, "font-size": text, fill: "#1b6e57",
                                     "text-anchor": "end" },
                       `safe from ${data.safe_threshold}`));
    svg.appendChild(el("svg:line", { x1: x(view.week), x2: x(view.week), y1: T, y2: H - B, stroke: "#444",
                                     "stroke-width": 2 }));
    const dashes = { "-": "", "--": "12 6", "-.": "12 5 3 5", ":": "3 5" };
    data.chart_states.forEach(([state, stroke, dash], i) => {
      const points = s.weeks.slice(0, view.week + 1).map((r) => `${x(r.week)},${y(r.states[state][m])}`);
      svg.appendChild(el("svg:polyline", { points: points.join(" "), fill: "none", stroke, "stroke-width": 4,
                                           "stroke-dasharray": dashes[dash] }));
      const ly = T + (24 + 36 * i) * k;
      svg.appendChild(el("svg:line", { x1: W - R + 16, x2: W - R + 60, y1: ly, y2: ly, stroke, "stroke-width": 4,
                                       "stroke-dasharray": dashes[dash] }));
      svg.appendChild(el("svg:text", { x: W - R + 68, y: ly + 6 * k, "font-size": text }, data.states[state]));
    });
    const left = s.weeks.findIndex((r) => r.gone[m]);
    if (left > 0 && left - 1 <= view.week) {
      svg.appendChild(el("svg:text", { x: x(left - 1) + 6, y: H - B - 10, "font-size": text, fill: "#333" },
                         `left after session ${left - 1}`));
    }
    return svg;
  }

  // --- a scenario's panel -----------------------------------------------------------------
  function panel(k, index) {
    const s = data.scenarios[index], record = s.weeks[Math.min(view.week, END)], m = view.person;
    const tag = view.side ? `${letter(k)}: ${s.label}` : s.label;
    const sec = el("section", { class: `panel ${k === 1 ? "b" : "a"}`, "aria-label": `Scenario ${tag}` });
    const head = sec.appendChild(el("div", { class: "r-head" }));
    head.appendChild(el("h2", {}, view.side ? `${letter(k)}: ${s.label}` : s.label));
    head.appendChild(el("p", { class: "words" }, `In the model: ${s.words}.`));
    // side by side, "Where the stories part" says what B changes; alone, the panel says it
    if (!view.side) s.changes.forEach((line) => head.appendChild(el("p", { class: "changes" }, line)));
    const grid = sec.appendChild(el("div", { class: "panel-grid" }));
    const left = grid.appendChild(el("div", { class: "left r-circle" }));
    const right = grid.appendChild(el("div", { class: "right r-why" }));
    left.appendChild(circle(s, record, tag));
    const present = record.present.filter(Boolean).length, shared = record.shared.filter(Boolean).length;
    left.appendChild(el("p", { class: "week-facts" }, view.week === 0 ? "Before the first session."
      : `This week: ${present} of ${N} present, ${shared} shared their own experience.`));
    const place = view.week === 0 ? "before the first session" : `session ${view.week}`;
    right.appendChild(el("h3", {}, `Why did this happen? Participant ${m}, ${place}` + (view.side ? ` (${letter(k)})` : "")));
    const ul = right.appendChild(el("ul", { class: "why", tabindex: 0,
      "aria-label": `${tag}: why did this happen? Participant ${m}, ${place}` }));
    record.why[m].forEach((line) => ul.appendChild(el("li", {}, line)));
    if (record.fired[m].length && view.week > 0) {
      right.appendChild(el("p", { class: "week-facts" }, `Mechanisms that fired for participant ${m}: ${record.fired[m].join(", ")}.`));
    }
    right.appendChild(el("h3", {}, `Participant ${m}, week by week` + (view.side ? ` (${letter(k)})` : "")));
    right.appendChild(el("div", { tabindex: 0, role: "region", "aria-label": `${tag}: chart of participant ${m}` }))
      .appendChild(chart(s, tag));
    const whole = view.week >= END;
    const block = sec.appendChild(el("div", { class: "r-story" }));
    block.appendChild(el("h3", {}, `Story of participant ${m}${whole ? "" : " so far"} (${tag})`));
    const story = block.appendChild(el("div", { class: "story", "data-scenario": s.label, tabindex: 0, role: "region",
                                                "aria-label": `${tag}: story of participant ${m}` }));
    const st = s.stories[m];
    st.lines.forEach((line, j) => {
      story.appendChild(el("p", { class: st.from[j] <= view.week || whole ? "" : "later" }, line));
    });
    return sec;
  }

  function render() {
    const week = view.week;
    const title = week === 0 ? "before the first session" : data.scenarios[view.a].weeks[week].title;
    $("week").textContent = `Week ${week} of ${END}: ${title}` + (week === END ? " (the end of the course)" : "");
    $("prev").disabled = week === 0;
    $("start").disabled = week === 0;
    $("next").disabled = week === END;
    $("end").disabled = week === END;
    $("goto").value = week;
    $("scenario-a").value = view.a;
    $("scenario-b").value = view.b;
    $("scenario-b").disabled = !view.side;
    $("side").checked = view.side;
    $("person").value = view.person;
    $("colour").value = view.colour;
    $("big").checked = view.big;
    document.body.classList.toggle("big", view.big);
    $("legend").replaceChildren(legend());
    const panels = $("panels");
    panels.replaceChildren();
    panels.className = view.side ? "two" : "";
    panels.appendChild(panel(0, view.a));
    if (view.side) panels.appendChild(panel(1, view.b));
    const part = partingNode;
    if (view.side && view.a !== view.b) {
      // between the two circles and the two "why" panels: where the stories part is the lesson
      panels.appendChild(part);
      part.hidden = false;
      part.replaceChildren(el("h2", {}, `Where the stories of participant ${view.person} part (A: ${data.scenarios[view.a].label}; B: ${data.scenarios[view.b].label})`));
      data.parting[`${view.a},${view.b}`][view.person].forEach((line) => part.appendChild(el("p", {}, line)));
    } else {
      part.hidden = true;
    }
  }

  function go(week) {
    if (!Number.isFinite(week)) return;
    view.week = Math.max(0, Math.min(END, Math.round(week)));
    render();
  }

  // --- set-up ---------------------------------------------------------------------------------
  data.scenarios.forEach((s, k) => {
    $("scenario-a").appendChild(el("option", { value: k }, s.label));
    $("scenario-b").appendChild(el("option", { value: k }, s.label));
  });
  for (let m = 0; m < N; m++) {
    const outsider = m === data.outsider ? " (the most different from the group)" : "";
    $("person").appendChild(el("option", { value: m }, `Participant ${m}: ${data.people[m]}${outsider}`));
  }
  Object.entries(data.states).forEach(([k, v]) => $("colour").appendChild(el("option", { value: k }, v)));
  $("goto").max = END;
  $("about").textContent = `The same ${N} people (seed ${data.seed}, group ${data.run}) in every scenario,`
    + ` with the same chance events: only the context differs. ${data.scenarios.length} scenarios.`;
  $("made").textContent = "Made with peersim. The stories are the ones `peersim explain` tells;"
    + " everything on this page was computed before the class and works without a network.";
  Object.entries(data.glossary).forEach(([term, text]) => {
    $("glossary-list").appendChild(el("dt", {}, term));
    $("glossary-list").appendChild(el("dd", {}, text));
  });
  $("next").addEventListener("click", () => go(view.week + 1));
  $("prev").addEventListener("click", () => go(view.week - 1));
  $("start").addEventListener("click", () => go(0));
  $("end").addEventListener("click", () => go(END));
  $("go").addEventListener("click", () => go(Number($("goto").value)));
  $("goto").addEventListener("keydown", (e) => { if (e.key === "Enter") go(Number($("goto").value)); });
  $("scenario-a").addEventListener("change", (e) => { view.a = Number(e.target.value); render(); });
  $("scenario-b").addEventListener("change", (e) => { view.b = Number(e.target.value); render(); });
  $("side").addEventListener("change", (e) => { view.side = e.target.checked; render(); });
  $("person").addEventListener("change", (e) => { view.person = Number(e.target.value); render(); });
  $("colour").addEventListener("change", (e) => { view.colour = e.target.value; render(); });
  $("big").addEventListener("change", (e) => { view.big = e.target.checked; render(); });
  document.addEventListener("keydown", (e) => {
    if (["INPUT", "SELECT", "TEXTAREA"].includes(e.target.tagName) || e.altKey || e.ctrlKey || e.metaKey) return;
    const moves = { ArrowRight: 1, n: 1, N: 1, ArrowLeft: -1, p: -1, P: -1 };
    if (e.key in moves) { go(view.week + moves[e.key]); e.preventDefault(); }
    else if (e.key === "Home") { go(0); e.preventDefault(); }
    else if (e.key === "End") { go(END); e.preventDefault(); }
  });
  render();
})();
