/* Mengkeju form helpers. Version 1.1.0 (plain JS, no dependencies). Without JavaScript every field shows.
 *
 * 1. Choice groups: a fieldset with data-choice-group="VALUE" inside a form shows only while the radio
 *    button named by data-choice-name (default "organization_choice") has that value.
 * 2. Searchable pickers: a <select data-searchable> gets a search box above it that filters its options
 *    (by any part of the name, case-insensitive).
 * 3. Toggled fields: an element with data-shown-by="ID" shows only while the checkbox #ID is ticked; a
 *    form with data-show-pairs="CHECKBOX_ID:ELEMENT_ID ..." does the same for elements it cannot mark
 *    (the bounty of a need shows only for a challenge).
 * 4. Folding: <details data-fold-below="820"> starts closed on screens narrower than that many pixels.
 * 5. Suggested keywords: an element with data-add-keyword="WORD" and data-keyword-target="ID" becomes a
 *    toggle button that adds WORD to the keywords field #ID (after a "、") or takes it out again.
 */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function choiceGroups() {
    var groups = document.querySelectorAll("[data-choice-group]");
    if (!groups.length) return;
    function update() {
      groups.forEach(function (group) {
        var name = group.getAttribute("data-choice-name") || "organization_choice";
        var checked = document.querySelector("input[name='" + name + "']:checked");
        group.hidden = !checked || checked.value !== group.getAttribute("data-choice-group");
      });
    }
    document.querySelectorAll("input[type=radio]").forEach(function (radio) {
      radio.addEventListener("change", update);
    });
    update();
  }

  function searchablePickers() {
    document.querySelectorAll("select[data-searchable]").forEach(function (select) {
      var box = document.createElement("input");
      box.type = "search";
      box.className = "picker-search";
      box.placeholder = select.getAttribute("data-search-placeholder") || "";
      box.setAttribute("aria-label", box.placeholder);
      box.setAttribute("aria-controls", select.id);
      select.parentNode.insertBefore(box, select);
      var options = Array.prototype.slice.call(select.options);
      box.addEventListener("input", function () {
        var q = box.value.trim().toLowerCase();
        var first = null;
        options.forEach(function (option) {
          var show = !option.value || !q || option.text.toLowerCase().indexOf(q) !== -1;
          option.hidden = !show;
          option.disabled = !show && option.value !== select.value;
          if (show && option.value && !first) first = option;
        });
        if (q && first && (select.selectedIndex <= 0 || select.options[select.selectedIndex].hidden)) {
          select.value = first.value;
        }
      });
    });
  }

  function toggle(box, el) {
    if (!box || !el) return;
    function update() { el.hidden = !box.checked; }
    box.addEventListener("change", update);
    update();
  }

  function toggledFields() {
    document.querySelectorAll("[data-shown-by]").forEach(function (el) {
      toggle(document.getElementById(el.getAttribute("data-shown-by")), el);
    });
    document.querySelectorAll("form[data-show-pairs]").forEach(function (form) {
      form.getAttribute("data-show-pairs").split(/\s+/).forEach(function (pair) {
        var ids = pair.split(":");
        if (ids.length === 2) toggle(document.getElementById(ids[0]), document.getElementById(ids[1]));
      });
    });
  }

  function folds() {
    document.querySelectorAll("details[data-fold-below]").forEach(function (details) {
      var below = parseInt(details.getAttribute("data-fold-below"), 10) || 820;
      if (window.innerWidth < below && !details.hasAttribute("data-keep-open")) details.open = false;
      // widened past the fold (a tablet turned, a window resized): the summary is hidden there, so open it
      window.addEventListener("resize", function () { if (window.innerWidth >= below) details.open = true; });
    });
  }

  // the keywords of a text, as mengkeju.postings.forms.keywords_split: a space between two Latin letters or
  // digits stays inside the keyword (OPC UA), any other separates. No look-behind: Safari before 16.4
  // would refuse the whole file.
  function keywordsSplit(text) {
    var out = [];
    text.split(/[,，、;；]+/).forEach(function (piece) {
      piece.replace(/([0-9A-Za-z])\s+(?=[0-9A-Za-z])/g, "$1\u0001").split(/\s+/).forEach(function (word) {
        word = word.replace(/\u0001/g, " ");
        if (word && out.indexOf(word) === -1) out.push(word);
      });
    });
    return out;
  }

  function keywordSuggestions() {
    document.querySelectorAll("[data-add-keyword]").forEach(function (tag) {
      var field = document.getElementById(tag.getAttribute("data-keyword-target"));
      var word = tag.getAttribute("data-add-keyword");
      var split = keywordsSplit(word || "");
      if (!field || split.length !== 1 || split[0] !== word) return;  // not one keyword: stays text
      var button = document.createElement("button");
      button.type = "button";
      button.className = "tag tag-add";
      function words() { return keywordsSplit(field.value); }
      function update() {
        var added = words().indexOf(word) !== -1;
        button.setAttribute("aria-pressed", added ? "true" : "false");
        button.textContent = (added ? "✓ " : "+ ") + word;
      }
      button.addEventListener("click", function () {
        var list = words();
        var at = list.indexOf(word);
        if (at === -1) {
          var value = field.value.replace(/\s+$/, "");
          field.value = value && !/[,，、;；]$/.test(value) ? value + "、" + word : value + word;
        } else {
          list.splice(at, 1);
          field.value = list.join("、");
        }
        update();
      });
      field.addEventListener("input", update);
      tag.parentNode.replaceChild(button, tag);
      update();
    });
  }

  function ready() { choiceGroups(); searchablePickers(); toggledFields(); folds(); keywordSuggestions(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
