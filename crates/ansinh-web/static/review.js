// ansinh — the review pages' one piece of script: the print buttons of the minutes and the posted list.
document.addEventListener("click", function (e) {
  var b = e.target.closest ? e.target.closest("[data-print]") : null;
  if (b) { window.print(); }
});
