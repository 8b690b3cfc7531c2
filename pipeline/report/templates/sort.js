// Sortable tables: click a column header to sort by it (the page reads fine without this).
(function () {
  function key(cell) {
    var v = cell.getAttribute("data-sort");
    if (v === null) { v = cell.textContent.trim(); }
    var n = parseFloat(v);
    return (v !== "" && isFinite(v)) ? n : v.toLowerCase();
  }
  function compare(a, b) {
    if (typeof a === typeof b) { return a < b ? -1 : (a > b ? 1 : 0); }
    return typeof a === "number" ? -1 : 1;
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var heads = table.querySelectorAll("thead th");
    heads.forEach(function (th, col) {
      var button = document.createElement("button");
      button.type = "button";
      while (th.firstChild) { button.appendChild(th.firstChild); }
      th.appendChild(button);
      button.addEventListener("click", function () {
        var down = th.getAttribute("aria-sort") !== "descending";
        heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", down ? "descending" : "ascending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (r1, r2) {
          var c = compare(key(r1.cells[col]), key(r2.cells[col]));
          return down ? -c : c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
})();
// Filterable tables: a search box above each table marked data-filter keeps the rows holding
// every word typed (the box exists only with JavaScript; without it every row shows).
(function () {
  document.querySelectorAll("table[data-filter]").forEach(function (table) {
    var box = document.createElement("input");
    box.type = "search";
    box.className = "filter";
    box.placeholder = "Filter rows (firm, year, term …)";
    var caption = table.caption ? table.caption.textContent : "the table";
    box.setAttribute("aria-label", "Filter the rows of " + caption);
    var holder = table.closest(".scroll") || table;
    holder.parentNode.insertBefore(box, holder);
    box.addEventListener("input", function () {
      var words = box.value.toLowerCase().split(/\s+/).filter(Boolean);
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        var text = (row.textContent + " " + (row.getAttribute("data-filter-text") || "")).toLowerCase();
        row.hidden = !words.every(function (w) { return text.indexOf(w) >= 0; });
      });
    });
  });
})();
// Evidence one click away: a link to a folded section opens it (and the folds around it).
(function () {
  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (!target) { return; }
    for (var e = target; e; e = e.parentElement) {
      if (e.tagName === "DETAILS") { e.open = true; }
    }
    if (target.tagName === "SECTION") {
      target.querySelectorAll("details").forEach(function (d) { d.open = true; });
    }
    target.scrollIntoView();
  }
  window.addEventListener("hashchange", reveal);
  reveal();
})();
// Term scatter: a search box highlights the matching terms (the dots stay links).
(function () {
  document.querySelectorAll("figure.term-scatter").forEach(function (fig) {
    var box = document.createElement("input");
    box.type = "search";
    box.className = "filter";
    box.placeholder = "Find a term on the scatter";
    box.setAttribute("aria-label", "Find a term on the scatter");
    fig.insertBefore(box, fig.firstChild);
    var dots = fig.querySelectorAll("circle[data-term]");
    box.addEventListener("input", function () {
      var q = box.value.trim().toLowerCase();
      dots.forEach(function (d) {
        var hit = q !== "" && d.getAttribute("data-term").indexOf(q) >= 0;
        d.classList.toggle("hit", hit);
        d.classList.toggle("dim", q !== "" && !hit);
      });
    });
  });
})();
// Topic map: a topic picker and a relevance slider (LDAvis' lambda) ranking the topic's terms.
(function () {
  document.querySelectorAll(".topic-map").forEach(function (holder) {
    var data = JSON.parse(holder.getAttribute("data-topics"));
    var panel = document.createElement("div");
    panel.className = "relevance";
    var pick = document.createElement("select");
    pick.setAttribute("aria-label", "Topic");
    data.topics.forEach(function (t, n) {
      var o = document.createElement("option");
      o.value = n; o.textContent = t.name; pick.appendChild(o);
    });
    var slider = document.createElement("input");
    slider.type = "range"; slider.min = 0; slider.max = 1; slider.step = 0.1; slider.value = 0.6;
    var label = document.createElement("label");
    var shown = document.createElement("span");
    label.appendChild(document.createTextNode("Relevance λ = "));
    label.appendChild(shown); label.appendChild(slider);
    var list = document.createElement("ol");
    var link = document.createElement("a");
    panel.appendChild(pick); panel.appendChild(label); panel.appendChild(list); panel.appendChild(link);
    holder.appendChild(panel);
    function draw() {
      var t = data.topics[pick.value], lam = parseFloat(slider.value);
      shown.textContent = lam.toFixed(1) + " ";
      var ranked = t.terms.map(function (w) {
        return [w[0], lam * Math.log(w[1]) + (1 - lam) * Math.log(w[1] / w[2])];
      }).sort(function (a, b) { return b[1] - a[1]; }).slice(0, 12);
      list.textContent = "";
      ranked.forEach(function (w) {
        var li = document.createElement("li"); li.textContent = w[0]; list.appendChild(li);
      });
      link.href = t.href; link.textContent = "Passages of topic " + t.name;
      holder.querySelectorAll("circle.topic").forEach(function (c) {
        c.classList.toggle("on", c.parentNode.getAttribute("data-topic") === String(t.topic));
      });
    }
    pick.addEventListener("change", draw);
    slider.addEventListener("input", draw);
    holder.querySelectorAll("a[data-topic]").forEach(function (a) {
      a.addEventListener("mouseenter", function () {
        data.topics.forEach(function (t, n) {
          if (String(t.topic) === a.getAttribute("data-topic")) { pick.value = n; }
        });
        draw();
      });
    });
    draw();
  });
})();
