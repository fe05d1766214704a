// The search box in the header of every page. The index (built by npm run ig) and MiniSearch are
// loaded by <script> elements on first use, not fetched: that works over http and as plain files.
/* global MiniSearch, document, window */
(function () {
  'use strict';
  var form = document.querySelector('form.site-search');
  if (!form) {
    return;
  }
  var input = form.querySelector('input[type="search"]');
  var panel = form.querySelector('.search-panel');
  var list = panel.querySelector('ul');
  var empty = panel.querySelector('.search-empty');
  var status = form.querySelector('[role="status"]');
  var MAX_RESULTS = 10;
  var engine = null;
  var loading = null;

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement('script');
      script.src = src;
      script.onload = resolve;
      script.onerror = function () {
        reject(new Error('Could not load ' + src));
      };
      document.head.appendChild(script);
    });
  }

  // Loads MiniSearch and the index once; the options they were built with come with the index.
  function load() {
    if (!loading) {
      loading = loadScript(form.dataset.engine)
        .then(function () {
          return loadScript(form.dataset.index);
        })
        .then(function () {
          var data = window[form.dataset.global];
          engine = MiniSearch.loadJS(data.index, data.options);
        })
        .catch(function (error) {
          // Forget the failure, so that the next keystroke tries again (a dropped connection, say).
          loading = null;
          throw error;
        });
    }
    return loading;
  }

  function search(query) {
    return engine.search(query, {
      boost: { title: 3, headings: 1.5 },
      // Words are found by their beginning (trygghet… finds trygghetsalarm), longer ones despite a typo.
      prefix: function (term) {
        return term.length > 2;
      },
      fuzzy: function (term) {
        return term.length > 5 ? 0.2 : false;
      },
      combineWith: 'AND',
    });
  }

  function resultItem(result) {
    var item = document.createElement('li');
    var link = document.createElement('a');
    link.href = result.id;
    var title = document.createElement('span');
    title.className = 'search-title';
    title.textContent = result.title;
    link.appendChild(title);
    if (result.snippet) {
      var snippet = document.createElement('span');
      snippet.className = 'search-snippet';
      snippet.textContent = result.snippet;
      link.appendChild(snippet);
    }
    item.appendChild(link);
    return item;
  }

  function close() {
    panel.hidden = true;
  }

  function show() {
    var query = input.value.trim();
    if (query === '') {
      list.replaceChildren();
      status.textContent = '';
      close();
      return;
    }
    var results = search(query);
    list.replaceChildren.apply(list, results.slice(0, MAX_RESULTS).map(resultItem));
    empty.hidden = results.length > 0;
    status.textContent =
      results.length === 0
        ? 'No pages match ' + query
        : results.length + (results.length === 1 ? ' page matches' : ' pages match') +
          (results.length > MAX_RESULTS ? ', the first ' + MAX_RESULTS + ' are listed' : '');
    panel.hidden = false;
  }

  function update() {
    if (engine) {
      show();
      return;
    }
    status.textContent = 'Loading the search index…';
    load().then(show, function (error) {
      status.textContent = 'Search is not available: ' + error.message;
    });
  }

  function links() {
    return Array.prototype.slice.call(list.querySelectorAll('a'));
  }

  input.addEventListener('input', update);
  // Start loading when the box gets focus, so results are there by the first keystroke.
  input.addEventListener('focus', function () {
    load().catch(function () {});
  });

  // Arrow keys move between the box and the results, Escape closes the list, Enter opens the first result.
  form.addEventListener('keydown', function (event) {
    var all = links();
    var at = all.indexOf(document.activeElement);
    if (event.key === 'ArrowDown' && all.length > 0) {
      event.preventDefault();
      panel.hidden = false;
      all[Math.min(at + 1, all.length - 1)].focus();
    } else if (event.key === 'ArrowUp' && at >= 0) {
      event.preventDefault();
      (at === 0 ? input : all[at - 1]).focus();
    } else if (event.key === 'Escape') {
      close();
      input.focus();
    }
  });
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var first = links()[0];
    if (first) {
      window.location.href = first.href;
    }
  });
  // The list closes when focus leaves the search box and its results.
  form.addEventListener('focusout', function (event) {
    if (!form.contains(event.relatedTarget)) {
      close();
    }
  });
  input.addEventListener('click', function () {
    if (input.value.trim() !== '' && engine) {
      show();
    }
  });

  form.hidden = false;
})();
