// The result chart: bars and lines from the chart step's output (a json_script tag), the
// months and amounts in the hover written as the table writes them (core.present, server side).
(function () {
  var target = document.getElementById("wf-chart");
  var source = document.getElementById("wf-chart-data");
  if (!target || !source || typeof Plotly === "undefined") return;
  var chart = JSON.parse(source.textContent);
  var traces = chart.series.map(function (series) {
    var trace = {
      name: series.name,
      x: chart.x,
      y: series.values,
      customdata: series.text,
      hovertemplate: "%{x}<br>" + series.name + " %{customdata}<extra></extra>",
    };
    if (series.kind === "line") {
      trace.type = "scatter";
      trace.mode = "lines+markers";
      trace.line = { width: 3, color: series.color || undefined };
    } else {
      trace.type = "bar";
      trace.marker = { color: series.color || undefined };
    }
    return trace;
  });
  Plotly.newPlot(
    target,
    traces,
    {
      autosize: true,
      barmode: "group",
      margin: { t: 20, r: 20, b: 50, l: 70 },
      xaxis: { title: { text: chart.x_title }, type: "category" },
      yaxis: { title: { text: chart.y_title || "" }, zeroline: true, tickformat: ",.0f" },
      legend: { orientation: "h", y: -0.2 },
    },
    { displaylogo: false, responsive: true }
  );
  target.setAttribute("data-rendered", "true");
})();
