// The score-over-time chart of the evaluation detail page (data from a json_script tag).
// Times are wall-clock times in the person's zone (named on the axis); the axis is a date
// axis over at least a week, so it reads in days, never in milliseconds.
(function () {
  var target = document.getElementById("score-chart");
  var source = document.getElementById("score-chart-data");
  if (!target || !source || typeof Plotly === "undefined") return;
  var data = JSON.parse(source.textContent);
  var DAY = 24 * 60 * 60 * 1000;
  Plotly.newPlot(
    target,
    [{ x: data.x, y: data.y, text: data.text, mode: "lines+markers", line: { shape: "hv" },
       hovertemplate: "%{text}<br>score %{y}<extra></extra>" }],
    {
      autosize: true,
      margin: { t: 20, r: 20, b: 50, l: 50 },
      xaxis: {
        type: "date",
        range: data.range,
        title: { text: "date (" + data.zone + ")" },
        tickformatstops: [
          { dtickrange: [null, DAY - 1], value: "%-d %b %H:%M" },
          { dtickrange: [DAY, null], value: "%-d %b %Y" }
        ]
      },
      yaxis: { range: [0, 105], title: { text: "score" } }
    },
    { displaylogo: false, responsive: true }
  );
  target.setAttribute("data-rendered", "true");
})();
