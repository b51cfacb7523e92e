// The score-over-time chart of the evaluation detail page (data from a json_script tag).
(function () {
  var target = document.getElementById("score-chart");
  var source = document.getElementById("score-chart-data");
  if (!target || !source || typeof Plotly === "undefined") return;
  var data = JSON.parse(source.textContent);
  Plotly.newPlot(
    target,
    [{ x: data.x, y: data.y, text: data.text, mode: "lines+markers", line: { shape: "hv" },
       hovertemplate: "%{x}<br>score %{y}<br>%{text}<extra></extra>" }],
    { autosize: true, margin: { t: 20, r: 20, b: 40, l: 50 }, yaxis: { range: [0, 105], title: { text: "score" } } },
    { displaylogo: false, responsive: true }
  );
  target.setAttribute("data-rendered", "true");
})();
