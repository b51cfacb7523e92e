// Ordering pattern of one account: each order's amount on its date, and the gaps between
// orders against the account's usual interval.
(function () {
  "use strict";
  var holder = document.getElementById("order-chart");
  var source = document.getElementById("order-chart-data");
  if (!holder || !source || !window.Plotly) return;
  var data = JSON.parse(source.textContent);
  var gaps = data.dates.map(function (d, i) {
    return i === 0 ? null : (Date.parse(d) - Date.parse(data.dates[i - 1])) / 86400000;
  });
  var traces = [
    { type: "bar", x: data.dates, y: data.amounts, name: "Order (" + data.currency + ")",
      width: data.dates.map(function () { return 2 * 86400000; }),
      marker: { color: "#1f5fbf" } },
    { type: "scatter", mode: "lines+markers", x: data.dates, y: gaps, yaxis: "y2",
      name: "Days since previous order", line: { color: "#8a5a00" } },
  ];
  var layout = {
    margin: { t: 10, r: 50, b: 40, l: 50 },
    legend: { orientation: "h", y: -0.2 },
    xaxis: { type: "date", range: [data.start, data.end] },
    yaxis: { title: data.currency },
    yaxis2: { title: "days", overlaying: "y", side: "right", rangemode: "tozero" },
    shapes: data.average_interval ? [{ type: "line", xref: "paper", x0: 0, x1: 1, yref: "y2",
      y0: data.average_interval, y1: data.average_interval,
      line: { dash: "dot", color: "#59636e" } }] : [],
  };
  window.Plotly.newPlot(holder, traces, layout, { displayModeBar: false, responsive: true });
})();
