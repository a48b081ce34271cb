"use strict";
(function () {
  var body = document.body;
  body.classList.add("js");
  var table = document.getElementById("findings-table");
  if (!table) return;
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var controls = document.getElementById("controls");
  var shown = document.getElementById("shown");
  var decidedOut = document.getElementById("decided");
  var filters = ["kind", "disposition", "provider", "principal"];

  function unmark(row) {
    var marks = row.querySelectorAll("mark");
    for (var i = 0; i < marks.length; i++) {
      var m = marks[i], parent = m.parentNode;
      parent.replaceChild(document.createTextNode(m.textContent), m);
      parent.normalize();
    }
  }

  function mark(row, q) {
    var cells = row.querySelectorAll("td:not(.decision)");
    for (var c = 0; c < cells.length; c++) {
      var walker = document.createTreeWalker(cells[c], NodeFilter.SHOW_TEXT);
      var nodes = [];
      while (walker.nextNode()) nodes.push(walker.currentNode);
      for (var n = 0; n < nodes.length; n++) {
        var node = nodes[n], text = node.nodeValue, lower = text.toLowerCase();
        var at = lower.indexOf(q);
        if (at < 0) continue;
        var frag = document.createDocumentFragment(), from = 0;
        while (at >= 0) {
          frag.appendChild(document.createTextNode(text.slice(from, at)));
          var m = document.createElement("mark");
          m.textContent = text.slice(at, at + q.length);
          frag.appendChild(m);
          from = at + q.length;
          at = lower.indexOf(q, from);
        }
        frag.appendChild(document.createTextNode(text.slice(from)));
        node.parentNode.replaceChild(frag, node);
      }
    }
  }

  function text(row) {
    var cells = row.querySelectorAll("td:not(.decision)"), s = [];
    for (var i = 0; i < cells.length; i++) s.push(cells[i].textContent);
    return s.join("\n").toLowerCase();
  }

  function apply() {
    var q = controls.elements.q.value.trim().toLowerCase();
    var n = 0;
    rows.forEach(function (row) {
      var ok = filters.every(function (f) {
        var v = controls.elements[f].value;
        return v === "" || row.dataset[f] === v;
      });
      if (ok && q !== "") ok = text(row).indexOf(q) >= 0;
      row.hidden = !ok;
      unmark(row);
      if (ok && q !== "") mark(row, q);
      if (ok) n++;
    });
    shown.textContent = String(n);
  }
  controls.addEventListener("input", apply);
  controls.addEventListener("change", apply);
  controls.addEventListener("submit", function (e) { e.preventDefault(); });

  var signoff = document.getElementById("signoff");
  signoff.addEventListener("submit", function (e) { e.preventDefault(); });
  var decisions = {};

  function count() {
    decidedOut.textContent = String(Object.keys(decisions).length);
  }

  function record(row) {
    var select = row.querySelector("select[name=decision]");
    var note = row.querySelector("input[name=note]");
    var id = row.dataset.id;
    if (select.value === "") {
      delete decisions[id];
      delete row.dataset.decision;
    } else {
      decisions[id] = {
        finding: id,
        kind: row.dataset.kind,
        provider: row.dataset.provider,
        principal: row.dataset.principal,
        user_id: row.dataset.userId,
        decision: select.value,
        note: note.value,
        by: signoff.elements.reviewer.value,
        at: new Date().toISOString()
      };
      row.dataset.decision = select.value;
    }
    count();
  }
  rows.forEach(function (row) {
    row.querySelector("select[name=decision]").addEventListener("change", function () { record(row); });
    row.querySelector("input[name=note]").addEventListener("change", function () { record(row); });
  });

  document.getElementById("download").addEventListener("click", function () {
    var out = {
      schema: "rolecall-decisions/1",
      run_id: body.dataset.runId,
      findings_sha256: body.dataset.findingsSha256,
      decisions: rows.filter(function (r) { return decisions[r.dataset.id]; })
        .map(function (r) { return decisions[r.dataset.id]; })
    };
    var blob = new Blob([JSON.stringify(out, null, 2) + "\n"], {type: "application/json"});
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = "decisions-" + (body.dataset.runId || "report").replace(/[^A-Za-z0-9_-]/g, "_") + ".json";
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(a.href); }, 10000);
  });
})();
