// Turns each select marked data-calloff-autocomplete into a type-ahead (GOV.UK's
// accessible-autocomplete). Without JavaScript the select works as it is.
(function () {
  if (!window.accessibleAutocomplete) return;
  document.querySelectorAll("select[data-calloff-autocomplete]").forEach(function (select) {
    window.accessibleAutocomplete.enhanceSelectElement({
      selectElement: select,
      showAllValues: true,
    });
  });
})();
