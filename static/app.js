// Gauntlet: progressive enhancements. Every flow works without this file (plain forms).
(function () {
  "use strict";

  // ---- small helpers --------------------------------------------------------------------
  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function clock(secs) {
    secs = Math.max(0, Math.floor(secs));
    var h = Math.floor(secs / 3600), m = Math.floor((secs % 3600) / 60), s = secs % 60;
    return (h ? h + ":" + pad(m) : pad(m)) + ":" + pad(s);
  }
  function localTime(unix) {
    var d = new Date(unix * 1000);
    return pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
  }

  // ---- confirmations, copy buttons, busy buttons ----------------------------------------
  document.addEventListener("click", function (event) {
    var confirmBtn = event.target.closest("[data-confirm]");
    if (confirmBtn && !window.confirm(confirmBtn.getAttribute("data-confirm"))) {
      event.preventDefault();
      return;
    }
    var copyBtn = event.target.closest("[data-copy]");
    if (copyBtn) {
      var input = document.getElementById(copyBtn.getAttribute("data-copy"));
      if (!input) return;
      input.select();
      if (navigator.clipboard) {
        navigator.clipboard.writeText(input.value).then(function () { copyBtn.textContent = "Copied"; }, function () {});
      }
    }
  });
  document.addEventListener("submit", function (event) {
    var busy = event.target.querySelector("[data-busy]");
    if (busy) {
      busy.textContent = busy.getAttribute("data-busy");
      busy.setAttribute("aria-disabled", "true");
    }
  });

  // ---- character limits --------------------------------------------------------------------
  // Limits are counted in Unicode code points, as the server counts them (maxlength would count
  // UTF-16 units and cut pasted text). A field with data-max-chars (and data-min-chars) gets a
  // live count and is marked invalid past its limit, so the browser asks before submitting.
  function codePoints(s) {
    var n = 0;
    for (var i = 0; i < s.length; i++) {
      var c = s.charCodeAt(i);
      // a low surrogate right after a high one is the second half of one code point
      if (!(c >= 0xdc00 && c <= 0xdfff && i > 0 && s.charCodeAt(i - 1) >= 0xd800 && s.charCodeAt(i - 1) <= 0xdbff)) n++;
    }
    return n;
  }
  function thousands(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ","); }
  $all("[data-max-chars], [data-min-chars]").forEach(function (field, i) {
    var max = Number(field.getAttribute("data-max-chars")) || 0;
    var min = Number(field.getAttribute("data-min-chars")) || 0;
    var secret = field.type === "password";
    var count = null;
    if (max && !secret) {
      count = document.createElement("p");
      count.className = "char-count";
      count.id = (field.id || "field-" + i) + "-count";
      field.insertAdjacentElement("afterend", count);
      var described = field.getAttribute("aria-describedby");
      field.setAttribute("aria-describedby", (described ? described + " " : "") + count.id);
    }
    function check() {
      var n = codePoints(field.value);
      var over = max && n > max;
      var under = min && n > 0 && n < min;
      field.setCustomValidity(over
        ? "Use at most " + thousands(max) + " characters (this has " + thousands(n) + ")."
        : under ? "Use at least " + thousands(min) + " characters." : "");
      if (count) {
        // text areas show the count once they hold text, short fields only near the limit
        count.hidden = !over && (n === 0 || (field.tagName !== "TEXTAREA" && n < max * 0.9));
        count.textContent = thousands(n) + " / " + thousands(max) + " characters" +
          (over ? " — " + thousands(n - max) + " over the limit" : "");
        count.classList.toggle("char-count-over", !!over);
      }
    }
    field.addEventListener("input", check);
    check();
  });

  // ---- timers ------------------------------------------------------------------------------
  var timer = $("[data-timer]");
  if (timer) {
    var roundStarted = Number(timer.dataset.roundStarted);
    var attemptStarted = Number(timer.dataset.attemptStarted);
    var roundBudget = Number(timer.dataset.roundBudget);
    var totalBudget = Number(timer.dataset.totalBudget);
    var roundEl = $("[data-timer-round]", timer), totalEl = $("[data-timer-total]", timer);
    var paint = function (el, elapsed, budget) {
      el.textContent = clock(elapsed);
      el.classList.toggle("timer-amber", elapsed >= budget && elapsed < budget * 1.25);
      el.classList.toggle("timer-red", elapsed >= budget * 1.25);
    };
    var tick = function () {
      var now = Date.now() / 1000;
      paint(roundEl, now - roundStarted, roundBudget);
      paint(totalEl, now - attemptStarted, totalBudget);
    };
    tick();
    setInterval(tick, 1000);
  }

  // ---- with JavaScript: promises that only hold with it, and none that hold only without -----
  $all("[data-js-only]").forEach(function (el) { el.hidden = false; });
  $all("[data-no-js]").forEach(function (el) { el.remove(); });

  // a page brought back from the back/forward cache would keep an old text and version: reload
  window.addEventListener("pageshow", function (e) {
    if (e.persisted && $("form[data-autosave]")) window.location.reload();
  });

  // ---- one autosave client, configured per form (the answer, the review draft) --------------
  // o.form holds the _csrf input; o.payload() is what a save sends and o.snapshot() what "saved"
  // compares; o.say(text, kind) shows the state; o.saved(data, clean) and o.refused(r) (true when
  // the form handled the answer) are the form's own; o.paused() holds saves while it says so.
  // o.live saves at most every o.delay ms while typing goes on instead of after a pause. A save
  // sent as the page is left goes to o.url + "?quiet=1", which answers 204 instead of a page.
  var SIGNED_OUT = "Signed out — sign in again in another tab; ";
  function autosaveClient(o) {
    var csrfInput = $("input[name=_csrf]", o.form);
    var lastSaved = o.snapshot();
    var timerId = null, inFlight = false, again = false, backoff = 2000, submitting = false, livePending = false;
    var failing = false; // the last save did not reach the server
    // texts sent whose answer never came back: the server may have stored one of them (the
    // network dropped on the way back), so a conflict with one is no conflict
    var unanswered = [];
    var delay = o.delay || 1500;
    function dirty() { return o.snapshot() !== lastSaved; }
    function held() { return submitting || (o.paused ? o.paused() : false); }
    function schedule(ms) { clearTimeout(timerId); timerId = setTimeout(save, ms); }
    function retry() {
      failing = true;
      o.say("Not saved — retrying", "error");
      schedule(backoff);
      backoff = Math.min(backoff * 2, 30000);
    }
    // back online (the browser says so, or a live page's event stream opened again): retry at
    // once instead of at the end of the backoff (a save still on its way retries after 2 s
    // if it fails)
    function back() {
      backoff = 2000;
      if (failing && !inFlight) schedule(0);
    }
    window.addEventListener("online", back);
    document.addEventListener("gauntlet:reconnected", back);
    function signedOut() { o.say(SIGNED_OUT + o.kept, "error"); schedule(10000); }
    function answered(r, sent) {
      if (r.status === 200) {
        lastSaved = sent;
        backoff = 2000;
        failing = false;
        unanswered = [];
        o.saved(r.data, !dirty());
      } else if (o.refused && o.refused(r)) {
        // the form showed what to do (e.g. a conflict)
      } else if (r.status === 401) {
        signedOut();
      } else if (r.status === 403 && r.data.error === "csrf") {
        // signed in again elsewhere: the session (and its token) changed; fetch the new token
        refreshToken();
      } else if ([400, 404, 409, 413, 422].indexOf(r.status) >= 0) {
        o.say("Not saved — " + (r.data.message || "the server refused this."), "error");
      } else if (r.status === 503 && r.data.message) {
        // storage full or the database locked by another program: say so, and keep retrying
        retry();
        o.say("Not saved — " + r.data.message, "error");
      } else {
        retry();
      }
    }
    function save() {
      if (!dirty() || held()) return;
      if (inFlight) { again = true; return; }
      inFlight = true;
      var sent = o.snapshot();
      o.say("Saving…", "busy");
      fetch(o.url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRF-Token": csrfInput.value, "Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8" },
        body: o.payload(),
      }).then(function (resp) {
        return resp.json().catch(function () { return {}; }).then(function (data) { return { status: resp.status, data: data }; });
      }).then(function (r) {
        inFlight = false;
        answered(r, sent);
        if (again) { again = false; schedule(200); }
      }).catch(function () {
        inFlight = false;
        if (unanswered.indexOf(sent) < 0) unanswered = unanswered.slice(-19).concat([sent]);
        retry();
      });
    }
    function refreshToken() {
      fetch("/account/csrf.json", { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (resp) { return resp.ok ? resp.json() : Promise.reject(resp.status); })
        .then(function (data) { csrfInput.value = data.csrf; schedule(200); })
        .catch(signedOut);
    }
    // leaving (tab hidden, page left): send what is unsaved without waiting for an answer
    function flush() {
      if (!dirty() || held()) return;
      var body = o.payload();
      body.set("_csrf", csrfInput.value);
      if (navigator.sendBeacon) {
        navigator.sendBeacon(o.url + "?quiet=1", body);
      } else {
        fetch(o.url + "?quiet=1", { method: "POST", keepalive: true, credentials: "same-origin", body: body });
      }
    }
    o.form.addEventListener("submit", function () { submitting = true; clearTimeout(timerId); });
    document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden") flush(); });
    window.addEventListener("pagehide", flush);
    window.addEventListener("beforeunload", function (e) {
      if (dirty() && !submitting) { save(); e.preventDefault(); e.returnValue = ""; }
    });
    return {
      changed: function () {
        if (!o.live) { schedule(delay); return; }
        if (!livePending) {
          livePending = true;
          setTimeout(function () { livePending = false; save(); }, delay);
        }
      },
      saveNow: function () { clearTimeout(timerId); save(); },
      adopt: function (snapshot) { lastSaved = snapshot; },
      // was this sent by this page with no answer back (so the server may hold it as ours)?
      sentUnanswered: function (snapshot) { return unanswered.indexOf(snapshot) >= 0; },
      submitting: function () { submitting = true; },
    };
  }

  // ---- the answer form: autosave with a local backup and a two-tab conflict ------------------
  var form = $("form[data-autosave]");
  if (form) { answerForm(form); }

  function answerForm(form) {
    var key = form.getAttribute("data-backup-key");
    var textarea = $("textarea[name=body]", form);
    var versionInput = $("[data-version]", form);
    var status = $("[data-status]", form);
    var conflict = $("[data-conflict]", form);
    var blocked = false;

    function setStatus(text, kind) {
      status.textContent = text;
      status.className = "save-status" + (kind ? " save-" + kind : "");
    }
    function backup() {
      try { localStorage.setItem(key, JSON.stringify({ body: textarea.value, at: Date.now() })); } catch (e) { /* storage full or disabled */ }
    }
    function clearBackup() { try { localStorage.removeItem(key); } catch (e) { /* ignore */ } }
    var url = form.getAttribute("data-autosave");
    var client = autosaveClient({
      form: form,
      url: url,
      // a live interview saves about every second while typing, so the console follows closely
      live: form.hasAttribute("data-autosave-delay"),
      delay: Number(form.getAttribute("data-autosave-delay")) || 1500,
      kept: "your text is kept here and saves after that.",
      snapshot: function () { return textarea.value; },
      payload: function () {
        var p = new URLSearchParams();
        p.set("body", textarea.value);
        p.set("base_version", versionInput.value);
        return p;
      },
      say: setStatus,
      paused: function () { return blocked; },
      saved: function (data, clean) {
        versionInput.value = data.version;
        setStatus("Saved " + localTime(data.saved_at), "ok");
        if (clean) clearBackup();
      },
      refused: function (r) {
        if (r.status !== 409 || r.data.theirs === undefined) return false;
        showConflict(r.data.theirs, r.data.version);
        return true;
      },
    });

    function showConflict(theirs, version) {
      if (theirs === textarea.value) {
        // the server already has exactly this text (e.g. saved as the page was left): adopt it
        versionInput.value = version;
        client.adopt(theirs);
        clearBackup();
        setStatus("Saved", "ok");
        return;
      }
      if (client.sentUnanswered(theirs)) {
        // our own save, stored though its answer was lost: build on its version and save on
        versionInput.value = version;
        client.adopt(theirs);
        client.saveNow();
        return;
      }
      blocked = true;
      setStatus("Not saved — choose which text to keep", "error");
      var mine = textarea.value;
      $("[data-theirs]", conflict).textContent = theirs;
      $("[data-mine]", conflict).textContent = mine;
      renderDiff($("[data-diff]", conflict), theirs, mine);
      var merge = $("[data-merge]", conflict);
      var mergeBox = $("[data-merge-text]", conflict);
      merge.hidden = true;
      conflict.hidden = false;
      function close() { conflict.hidden = true; blocked = false; }
      $("[data-keep-mine]", conflict).onclick = function () {
        versionInput.value = version;
        close();
        client.adopt(theirs);
        client.saveNow();
      };
      $("[data-use-theirs]", conflict).onclick = function () {
        backup();
        textarea.value = theirs;
        versionInput.value = version;
        client.adopt(theirs);
        close();
        setStatus("Using the saved text", "ok");
      };
      $("[data-edit-merge]", conflict).onclick = function () {
        mergeBox.value = mine;
        merge.hidden = false;
        mergeBox.focus();
      };
      $("[data-save-merge]", conflict).onclick = function () {
        textarea.value = mergeBox.value;
        backup();
        versionInput.value = version;
        client.adopt(theirs);
        close();
        client.saveNow();
      };
      conflict.scrollIntoView({ block: "nearest" });
    }

    textarea.addEventListener("input", function () {
      backup();
      setStatus("Unsaved changes", "busy");
      client.changed();
    });
    offerBackup(form, key, textarea, function () { setStatus("Restored — saving…", "busy"); client.saveNow(); }, clearBackup);
  }

  // a local copy newer than what the server has (e.g. typed while signed out): offer it back
  function offerBackup(form, key, textarea, restored, discard) {
    try {
      var saved = JSON.parse(localStorage.getItem(key) || "null");
      if (saved && saved.body && saved.body !== textarea.value) {
        var note = document.createElement("div");
        note.className = "alert alert-info";
        note.setAttribute("role", "status");
        note.innerHTML = "<p>This browser kept a copy of your text that was not saved yet.</p>";
        var restore = document.createElement("button");
        restore.type = "button";
        restore.className = "button small";
        restore.textContent = "Restore it";
        restore.onclick = function () { textarea.value = saved.body; note.remove(); restored(); };
        var dismiss = document.createElement("button");
        dismiss.type = "button";
        dismiss.className = "button small subtle";
        dismiss.textContent = "Discard";
        dismiss.onclick = function () { discard(); note.remove(); };
        note.appendChild(restore);
        note.appendChild(dismiss);
        form.insertBefore(note, form.firstChild);
      }
    } catch (e) { /* storage disabled */ }
  }


  // ---- local times: <time data-local-time="unix seconds"> in the reader's own zone -----------
  $all("[data-local-time]").forEach(function (t) {
    var d = new Date(Number(t.getAttribute("data-local-time")) * 1000);
    t.textContent = d.toLocaleString([], { weekday: "short", year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" }) + " (your time)";
  });
  $all("form[data-live-start]").forEach(function (f) {
    f.addEventListener("submit", function () {
      var when = $("[name=scheduled_at]", f).value;
      // the offset of the chosen day, so a date past a daylight-saving change is right too
      $("[data-tz-offset]", f).value = String((when ? new Date(when) : new Date()).getTimezoneOffset());
    });
  });

  // ---- live interviews: the console's and the candidate's event streams ----------------------
  var liveRoot = $("[data-live-events]");
  if (liveRoot && window.EventSource) { live(liveRoot); }

  function live(root) {
    var url = root.getAttribute("data-live-events");
    var isConsole = root.hasAttribute("data-live-console");
    var view = root.getAttribute("data-live-view");
    var timerEl = $("[data-live-timer]", root), pausedEl = $("[data-live-paused]", root);
    var presenceEl = $("[data-live-presence]", root), presenceText = $("[data-live-presence-text]", root);
    var clockState = null;
    var source = null, retry = 1000, leaving = false, broken = false;
    // presence and the shared timer mean something only with the event stream
    $all("[data-live-js]", root).forEach(function (el) { el.hidden = false; });

    function paintTimer() {
      if (!clockState || !timerEl) return;
      var secs = clockState.elapsed + (clockState.paused || !clockState.running ? 0 : (Date.now() - clockState.at) / 1000);
      timerEl.textContent = clockState.running ? clock(secs) : "not started";
      if (pausedEl) pausedEl.hidden = !clockState.paused;
    }
    function setTimer(t) {
      if (!t) return;
      clockState = { elapsed: t.elapsed, paused: t.paused, running: t.running, at: Date.now() };
      paintTimer();
    }
    setInterval(paintTimer, 1000);
    function presence(p) {
      if (!p || !presenceEl) return;
      var other = isConsole ? p.candidate : p.interviewer;
      presenceEl.classList.toggle("is-here", !!other);
      presenceText.textContent = isConsole
        ? (other ? "The candidate is on the interview page" : "The candidate is not connected")
        : (other ? "The interviewer is watching" : "The interviewer is not connected");
    }
    function nudge(n) {
      var box = $("[data-live-nudge]", root);
      if (!box || !n || !n.text) return;
      $("[data-live-nudge-text]", box).textContent = n.text;
      box.hidden = false;
    }
    function list(el, items) {
      if (!el) return;
      el.textContent = "";
      (items || []).forEach(function (t) { var li = document.createElement("li"); li.textContent = t; el.appendChild(li); });
    }
    function answer(a, hints) {
      if (!isConsole || !a) return;
      var box = $("[data-live-answer]", root);
      if (box && box.textContent !== a.body) box.textContent = a.body;
      var saved = $("[data-live-saved]", root);
      if (saved) saved.textContent = (a.submitted ? "Submitted " : "Saved ") + localTime(a.saved_at);
      var part = $("[data-live-part]", root);
      if (part) part.textContent = a.part === "follow_up" ? "follow-up answer" : "answer";
      if (hints) {
        $("[data-live-coverage]", root).textContent = hints.coverage + "% of the key points covered";
        list($("[data-live-covered]", root), (hints.covered || []).map(function (t) { return "✓ " + t; }));
        list($("[data-live-missed]", root), (hints.missed || []).map(function (t) { return "○ " + t; }));
        list($("[data-live-flags]", root), (hints.flags || []).map(function (t) { return "⚑ " + t; }));
      }
    }
    function leave() {
      if (leaving) return;
      leaving = true;
      if (source) source.close();
      // the autosave flushes on pagehide; the server decides what the page shows next
      window.location.reload();
    }
    function state(d) {
      presence(d.presence);
      setTimer(d.timer);
      nudge(d.nudge);
      if (isConsole) {
        if (String(d.round) !== root.getAttribute("data-live-round") || d.phase !== root.getAttribute("data-live-phase")) { leave(); return; }
        answer(d.answer, d.hints);
      } else if (d.view !== view) {
        leave();
      } else if (d.waiting) {
        var w = $("[data-live-waiting]", root);
        if (w) w.textContent = d.waiting;
      }
    }
    function parse(e) { try { return JSON.parse(e.data); } catch (x) { return null; } }
    function connect() {
      source = new EventSource(url);
      source.addEventListener("open", function () {
        retry = 1000;
        // the connection is back: a save that failed meanwhile is sent again now
        if (broken) { broken = false; document.dispatchEvent(new Event("gauntlet:reconnected")); }
      });
      source.addEventListener("snapshot", function (e) { var d = parse(e); if (d) state(d); });
      source.addEventListener("state", function (e) { var d = parse(e); if (d) state(d); });
      source.addEventListener("answer", function (e) { var d = parse(e); if (d) answer(d, d.hints); });
      source.addEventListener("timer", function (e) { setTimer(parse(e)); });
      source.addEventListener("nudge", function (e) { nudge(parse(e)); });
      source.addEventListener("presence", function (e) { presence(parse(e)); });
      source.addEventListener("note", function (e) {
        var n = parse(e), ul = $("[data-live-notes]", root);
        if (!n || !ul) return;
        var li = document.createElement("li");
        li.textContent = "R" + n.round + " “" + n.quote + "” — " + n.body;
        ul.appendChild(li);
      });
      source.addEventListener("error", function () {
        broken = true;
        if (presenceText) presenceText.textContent = "Reconnecting…";
        if (presenceEl) presenceEl.classList.remove("is-here");
        // the browser retries by itself unless the server refused; then try again later
        if (source.readyState === 2 && !leaving) {
          setTimeout(connect, retry);
          retry = Math.min(retry * 2, 30000);
        }
      });
    }
    connect();
    window.addEventListener("pagehide", function () { if (source) source.close(); });

    if (isConsole) {
      // selecting words of the answer fills the note form
      document.addEventListener("mouseup", function () {
        var sel = window.getSelection();
        if (!sel || sel.isCollapsed) return;
        var node = sel.anchorNode && (sel.anchorNode.nodeType === 1 ? sel.anchorNode : sel.anchorNode.parentElement);
        if (!node || !node.closest("[data-live-answer]")) return;
        var d = $("details[data-live-note]", root);
        if (!d) return;
        d.open = true;
        $("[data-quote]", d).value = sel.toString().trim();
      });
    }
  }

  // ---- replay of how an answer was written (review page) ------------------------------------
  // Without the script the kept texts are a readable list; with it, one slider scrubs them.
  $all("[data-replay]").forEach(function (box) {
    var frames = $all("[data-replay-frames] > li", box);
    var range = $("[data-replay-range]", box), at = $("[data-replay-at]", box), text = $("[data-replay-text]", box);
    if (!frames.length || !range) return;
    function show() {
      var i = Number(range.value), li = frames[i];
      text.textContent = $(".replay-text", li).textContent;
      var when = li.getAttribute("data-label"), pause = li.getAttribute("data-pause");
      at.textContent = "Text " + (i + 1) + " of " + frames.length + " · " + when + (pause ? " · " + pause + " before it" : "");
      range.setAttribute("aria-valuetext", at.textContent);
    }
    range.addEventListener("input", show);
    $("[data-replay-frames]", box).hidden = true;
    $("[data-replay-player]", box).hidden = false;
    show();
  });

  // ---- word-level difference of two texts (longest common subsequence of words) --------------
  function words(text) { return text.match(/\s+|[^\s]+/g) || []; }
  function diffWords(a, b) {
    var x = words(a), y = words(b);
    if (x.length * y.length > 4000000) return groupDiff([["del", a], ["ins", b]]);
    var n = x.length, m = y.length, i, j;
    var lcs = [];
    for (i = 0; i <= n; i++) { lcs.push(new Uint32Array(m + 1)); }
    for (i = n - 1; i >= 0; i--) {
      for (j = m - 1; j >= 0; j--) {
        lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    var ops = [];
    i = 0; j = 0;
    while (i < n && j < m) {
      if (x[i] === y[j]) { ops.push(["same", x[i]]); i++; j++; }
      else if (lcs[i + 1][j] >= lcs[i][j + 1]) { ops.push(["del", x[i]]); i++; }
      else { ops.push(["ins", y[j]]); j++; }
    }
    while (i < n) { ops.push(["del", x[i++]]); }
    while (j < m) { ops.push(["ins", y[j++]]); }
    return groupDiff(ops);
  }
  // each changed stretch: its removed text, then its added text; a space between two changed
  // words belongs to both (the server's conflict page groups the same way)
  function groupDiff(ops) {
    var out = [], del = "", ins = "";
    function changed(k) { return k >= 0 && k < ops.length && ops[k][0] !== "same"; }
    function flush() {
      if (del) out.push(["del", del]);
      if (ins) out.push(["ins", ins]);
      del = ""; ins = "";
    }
    ops.forEach(function (op, k) {
      if (op[0] === "same" && /^\s+$/.test(op[1]) && changed(k - 1) && changed(k + 1)) { del += op[1]; ins += op[1]; }
      else if (op[0] === "del") { del += op[1]; }
      else if (op[0] === "ins") { ins += op[1]; }
      else {
        flush();
        if (out.length && out[out.length - 1][0] === "same") out[out.length - 1][1] += op[1]; else out.push(["same", op[1]]);
      }
    });
    flush();
    return out;
  }
  function renderDiff(el, a, b) {
    if (!el) return;
    el.textContent = "";
    diffWords(a, b).forEach(function (part) {
      var node = part[0] === "same" ? document.createTextNode(part[1]) : document.createElement(part[0]);
      if (part[0] !== "same") node.textContent = part[1];
      el.appendChild(node);
    });
  }

  // ---- catalog: a changed filter applies at once (the form is a plain GET without this) -------
  $all("form[data-auto-filter]").forEach(function (f) {
    f.addEventListener("change", function (e) {
      if (e.target.tagName === "SELECT") f.submit();
    });
  });

  // ---- print buttons -------------------------------------------------------------------------
  $all("[data-print]").forEach(function (b) { b.addEventListener("click", function () { window.print(); }); });

  // ---- review page: autosave the draft (or edit mode), scorecard bar, keyboard grading, ------
  // ---- a comment form beside the selected words -------------------------------------------
  var rubric = $("form#rubric");
  if (rubric) { reviewPage(rubric); }

  function reviewPage(rubric) {
    // a draft autosaves; a submitted review in edit mode saves only on "Save changes"; a
    // submitted review outside edit mode is read-only (its fields are disabled)
    var url = rubric.getAttribute("data-review-autosave");
    var editing = rubric.hasAttribute("data-review-edit");
    var statuses = $all("[data-review-status], [data-review-status-bottom], [data-review-status-bar]");
    var bar = $("[data-scorecard]");
    function say(text, kind) {
      statuses.forEach(function (el) { el.textContent = text; el.className = "save-status" + (kind ? " save-" + kind : ""); });
    }
    function fields() {
      var p = new URLSearchParams();
      $all("[form=rubric], #rubric [name]").forEach(function (el) {
        if (!el.name || el.name === "_csrf") return;
        if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
        p.append(el.name, el.value);
      });
      return p;
    }
    var client = url ? autosaveClient({
      form: rubric,
      url: url,
      kept: "your grading is kept in this page and saves after that.",
      snapshot: function () { return fields().toString(); },
      payload: fields,
      say: say,
      saved: function (data) { say("Draft saved " + localTime(data.saved_at), "ok"); },
    }) : null;
    // edit mode saves only on "Save changes": leaving with changes asks first
    var editedSince = false, submitting = false;
    rubric.addEventListener("submit", function () { submitting = true; });
    if (editing) {
      window.addEventListener("beforeunload", function (e) {
        if (editedSince && !submitting) { e.preventDefault(); e.returnValue = ""; }
      });
    }
    function changed() {
      if (editing) { editedSince = true; say("Unsaved changes — the candidate sees them when you press Save changes", "busy"); }
      else if (client) { say("Unsaved changes", "busy"); client.changed(); }
      paintBar();
    }
    function ours(el) { return el.form === rubric || el.getAttribute("form") === "rubric"; }
    document.addEventListener("input", function (e) { if (ours(e.target)) changed(); });
    document.addEventListener("change", function (e) { if (ours(e.target)) changed(); });

    var cards = $all("[data-round-card]");
    var current = 0;
    function markCurrent(i) {
      current = i;
      cards.forEach(function (c, j) { c.classList.toggle("is-current", j === i); });
      paintBar();
    }
    function focusCard(i) {
      if (!cards.length) return;
      markCurrent(Math.max(0, Math.min(cards.length - 1, i)));
      cards[current].focus({ preventScroll: true });
      cards[current].scrollIntoView({ block: "start", behavior: "smooth" });
    }
    cards.forEach(function (c, i) { c.addEventListener("focusin", function () { if (current !== i) markCurrent(i); }); });

    // the scorecard bar: the current round's level and trap flag, the recommendation, the save
    // status and the submit button, always in view (a plain page without JavaScript has no bar)
    function paintBar() {
      if (!bar) return;
      var card = cards[current];
      if (card) {
        var n = card.getAttribute("data-round-card");
        var name = $("h2", card);
        $("[data-sc-round]", bar).textContent = "Round " + n + " of " + cards.length;
        if (name) $("[data-sc-round]", bar).title = name.textContent;
        var level = $("input[name^=level_]:checked", card);
        var label = level && level.closest("label").querySelector("strong");
        $("[data-sc-level]", bar).textContent = "Level: " + (level ? level.value + (label ? " " + label.textContent : "") : "none");
        var trap = $("input[data-trap]", card);
        $("[data-sc-trap]", bar).textContent = trap ? (trap.checked ? "Trap: fell into it" : "Trap: not flagged") : "";
      }
      var rec = $("input[name=recommendation]:checked", rubric);
      $("[data-sc-rec]", bar).textContent = "Recommendation: " + (rec ? rec.getAttribute("data-label") : "none");
    }
    if (bar) { bar.hidden = false; document.body.classList.add("has-scorecard"); paintBar(); }

    var help = $("#keys-help");
    $all("[data-keys-help]").forEach(function (b) { b.addEventListener("click", function () { help.hidden = !help.hidden; }); });
    function submitWithConfirmation() {
      var button = $("[data-sc-submit]") || $("#rubric button.primary");
      if (!button) return;
      if (window.confirm(button.getAttribute("data-confirm") || "Submit?")) {
        if (client) client.submitting();
        submitting = true;
        rubric.requestSubmit();
      }
    }
    document.addEventListener("keydown", function (e) {
      var t = e.target;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === "Escape" && openPop) { closePop(true); e.preventDefault(); return; }
      if (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName) && !(t.type === "radio" || t.type === "checkbox")) return;
      var card = cards[current];
      if (e.key === "j") { focusCard(current + 1); e.preventDefault(); }
      else if (e.key === "k") { focusCard(current - 1); e.preventDefault(); }
      else if (/^[1-4]$/.test(e.key) && card) {
        var radio = $("input[type=radio][name^=level_][value='" + e.key + "']", card);
        if (radio && !radio.disabled) { radio.checked = true; radio.dispatchEvent(new Event("change", { bubbles: true })); }
        e.preventDefault();
      } else if (e.key === "t" && card) {
        var trap = $("input[data-trap]", card);
        if (trap && !trap.disabled) { trap.checked = !trap.checked; trap.dispatchEvent(new Event("change", { bubbles: true })); }
        e.preventDefault();
      } else if (e.key === "c" && card) {
        var d = $("details[data-add-comment]", card);
        if (d) { d.open = true; $("[data-quote]", d).focus(); }
        e.preventDefault();
      } else if (e.key === "r") {
        var rec = $("input[name=recommendation]:checked", rubric) || $("input[name=recommendation]", rubric);
        if (rec && !rec.disabled) { rec.focus({ preventScroll: true }); rec.scrollIntoView({ block: "center" }); }
        e.preventDefault();
      } else if (e.key === "m") {
        var summary = $("#summary");
        if (summary && !summary.readOnly) { summary.focus({ preventScroll: true }); summary.scrollIntoView({ block: "center" }); }
        e.preventDefault();
      } else if (e.key === "s" && client) { client.saveNow(); e.preventDefault(); }
      else if (e.key === "S" && (url || editing)) { submitWithConfirmation(); e.preventDefault(); }
      else if (e.key === "?") { help.hidden = !help.hidden; e.preventDefault(); }
    });

    // selecting words in an answer opens that round's comment form right under the selection
    var openPop = null;
    function closePop(refocus) {
      if (!openPop) return;
      var d = openPop;
      openPop = null;
      d.classList.remove("is-floating");
      d.style.top = "";
      d.style.left = "";
      d.open = false;
      if (refocus) { var card = d.closest("[data-round-card]"); if (card) card.focus({ preventScroll: true }); }
    }
    document.addEventListener("mouseup", function (e) {
      if (openPop && openPop.contains(e.target)) return;
      var sel = window.getSelection();
      if (!sel || sel.isCollapsed) return;
      var answer = sel.anchorNode && (sel.anchorNode.nodeType === 1 ? sel.anchorNode : sel.anchorNode.parentElement).closest("[data-answer]");
      if (!answer) return;
      var text = sel.toString().trim();
      if (!text) return;
      var range = sel.getRangeAt(0);
      var pre = document.createRange();
      pre.selectNodeContents(answer);
      pre.setEnd(range.startContainer, range.startOffset);
      var offset = Array.from(pre.toString()).length;
      var card = answer.closest("[data-round-card]");
      var d = card && $("details[data-add-comment]", card);
      if (!d) return;
      if (openPop && openPop !== d) closePop(false);
      d.open = true;
      $("[data-quote]", d).value = text;
      $("[data-quote-hint]", d).value = String(offset);
      // float the form just below the selected words, inside the round card
      var rect = range.getBoundingClientRect();
      var box = card.getBoundingClientRect();
      d.classList.add("is-floating");
      var width = d.offsetWidth;
      var left = Math.max(0, Math.min(rect.left - box.left, box.width - width));
      d.style.top = Math.round(rect.bottom - box.top + 8) + "px";
      d.style.left = Math.round(left) + "px";
      openPop = d;
      var body = $("textarea[name=body]", d);
      if (body) body.focus({ preventScroll: true });
    });
    $all("details[data-add-comment]").forEach(function (d) {
      d.addEventListener("toggle", function () { if (!d.open && openPop === d) closePop(false); });
    });
  }

  // ---- authoring: the checker's errors and the preview while typing ------------------------
  var authorForm = $("form[data-author-check]");
  if (authorForm) { authorEditor(authorForm); }

  function authorEditor(form) {
    var url = form.getAttribute("data-author-check");
    var source = $("textarea[name=source]", form);
    var csrfInput = $("input[name=_csrf]", form);
    var summary = $("[data-check-summary]");
    var list = $("[data-check-errors]");
    var preview = $("[data-preview]");
    var loaded = source.value, timerId = null, seq = 0, submitting = false;

    function say(text, ok) {
      summary.textContent = text;
      summary.className = ok ? "check-ok" : "check-bad";
    }
    function show(data) {
      say(data.summary, data.ok);
      list.textContent = "";
      (data.errors || []).forEach(function (e) {
        var li = document.createElement("li");
        var b = document.createElement("button");
        b.type = "button";
        b.className = "linklike";
        b.setAttribute("data-line", e.line);
        b.textContent = "line " + e.line;
        li.appendChild(b);
        li.appendChild(document.createTextNode(": " + e.message));
        list.appendChild(li);
      });
      if (data.preview) {
        preview.innerHTML = data.preview; // rendered and escaped by the server's template
      } else {
        preview.innerHTML = '<p class="muted">Fix the errors to see the preview.</p>';
      }
    }
    function check() {
      var mine = ++seq;
      var body = new URLSearchParams();
      body.set("source", source.value);
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRF-Token": csrfInput.value, "Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8" },
        body: body,
      }).then(function (resp) {
        return resp.json().catch(function () { return {}; }).then(function (d) { return { status: resp.status, data: d }; });
      }).then(function (r) {
        if (mine !== seq) return; // a newer check is on its way
        if (r.status === 200) { show(r.data); }
        else if (r.status === 401) { say("Signed out: sign in again in another tab, then check again.", false); }
        else { say("Not checked: " + (r.data.message || "the server refused the text."), false); }
      }).catch(function () {
        if (mine === seq) say("Not checked: the server could not be reached.", false);
      });
    }
    source.addEventListener("input", function () {
      clearTimeout(timerId);
      timerId = setTimeout(check, 700);
    });
    var checkButton = $("[data-check-button]", form);
    if (checkButton) {
      checkButton.addEventListener("click", function (e) { e.preventDefault(); clearTimeout(timerId); check(); });
    }
    // "line N" selects that line in the editor
    document.addEventListener("click", function (e) {
      var b = e.target.closest("[data-line]");
      if (!b) return;
      var n = Number(b.getAttribute("data-line"));
      var lines = source.value.split("\n");
      var start = 0;
      for (var i = 0; i < n - 1 && i < lines.length; i++) start += lines[i].length + 1;
      var end = start + (lines[n - 1] || "").length;
      source.focus();
      source.setSelectionRange(start, end);
      var lineHeight = source.scrollHeight / Math.max(lines.length, 1);
      source.scrollTop = Math.max(0, (n - 5) * lineHeight);
    });
    form.addEventListener("submit", function () { submitting = true; });
    window.addEventListener("beforeunload", function (e) {
      if (!submitting && source.value !== loaded) { e.preventDefault(); e.returnValue = ""; }
    });
  }

  // ---- debrief: link highlights and points both ways --------------------------------------
  $all(".round-card").forEach(function (card) {
    function light(ids, on) {
      ids.forEach(function (id) {
        $all('[data-point="' + id + '"]', card).forEach(function (li) { li.classList.toggle("is-active", on); });
        $all("mark[data-points]", card).forEach(function (m) {
          if ((" " + m.getAttribute("data-points") + " ").indexOf(" " + id + " ") >= 0) m.classList.toggle("is-active", on);
        });
      });
    }
    $all("mark[data-points]", card).forEach(function (m) {
      var ids = m.getAttribute("data-points").split(" ").filter(Boolean);
      ["mouseenter", "focus"].forEach(function (ev) { m.addEventListener(ev, function () { light(ids, true); }); });
      ["mouseleave", "blur"].forEach(function (ev) { m.addEventListener(ev, function () { light(ids, false); }); });
    });
    $all("[data-point]", card).forEach(function (li) {
      var ids = [li.getAttribute("data-point")];
      ["mouseenter", "focusin"].forEach(function (ev) { li.addEventListener(ev, function () { light(ids, true); }); });
      ["mouseleave", "focusout"].forEach(function (ev) { li.addEventListener(ev, function () { light(ids, false); }); });
    });
  });

  // ---- drills: Space reveals, 1–4 rate (outside text fields; the buttons work without this) --
  var drillForm = $("form[data-drill-form]"), rateForm = $("form[data-rate-form]");
  if (drillForm || rateForm) {
    document.addEventListener("keydown", function (e) {
      var t = e.target;
      if (e.ctrlKey || e.metaKey || e.altKey || e.repeat) return;
      if (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON|A|SUMMARY)$/.test(t.tagName)) return;
      if (drillForm && e.key === " ") {
        e.preventDefault();
        $("[data-reveal]", drillForm).click();
      } else if (rateForm && /^[1-4]$/.test(e.key)) {
        var b = $('[data-rate="' + e.key + '"]', rateForm);
        if (b) { e.preventDefault(); b.click(); }
      }
    });
  }
})();
