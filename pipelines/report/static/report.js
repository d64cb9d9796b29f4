/* Draws every figure on the page from its embedded JSON, with Danish Plotly texts. */
(function () {
  "use strict";
  var months = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
    "september", "oktober", "november", "december"];
  Plotly.register({
    moduleType: "locale",
    name: "da",
    dictionary: {
      "Autoscale": "Autoskalér", "Box Select": "Vælg boks", "Download plot as a png": "Hent som PNG",
      "Download plot": "Hent figur", "Lasso Select": "Vælg lasso", "Pan": "Panorér",
      "Reset axes": "Nulstil akser", "Reset": "Nulstil", "Toggle Spike Lines": "Hjælpelinjer til/fra",
      "Zoom": "Zoom", "Zoom in": "Zoom ind", "Zoom out": "Zoom ud",
      "Show closest data on hover": "Vis nærmeste punkt", "Compare data on hover": "Sammenlign punkter",
      "Double-click to zoom back out": "Dobbeltklik for at zoome ud",
      "Click to enter X axis title": "", "Click to enter Y axis title": "", "Click to enter Plot title": ""
    },
    format: {
      days: ["søndag", "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag"],
      shortDays: ["søn", "man", "tir", "ons", "tor", "fre", "lør"],
      months: months,
      shortMonths: ["jan.", "feb.", "mar.", "apr.", "maj", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.", "dec."],
      date: "%d.%m.%Y",
      decimal: ",",
      thousands: "."
    }
  });
  var config = {
    locale: "da",
    responsive: true,
    displaylogo: false,
    displayModeBar: false,
    modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines"],
    toImageButtonOptions: { format: "png", scale: 2 }
  };
  var scripts = document.querySelectorAll('script[type="application/json"][data-figure]');
  Array.prototype.forEach.call(scripts, function (script) {
    var target = document.getElementById(script.getAttribute("data-figure"));
    var figure = JSON.parse(script.textContent);
    Plotly.newPlot(target, figure.data, figure.layout, config);
  });
})();
