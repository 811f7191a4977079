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

  // ---- autosave ----------------------------------------------------------------------------
  var form = $("form[data-autosave]");
  if (form) { autosave(form); }

  function autosave(form) {
    var url = form.getAttribute("data-autosave");
    var key = form.getAttribute("data-backup-key");
    var textarea = $("textarea[name=body]", form);
    var versionInput = $("[data-version]", form);
    var status = $("[data-status]", form);
    var csrfInput = $("input[name=_csrf]", form);
    var csrf = csrfInput.value;
    var conflict = $("[data-conflict]", form);
    var lastSaved = textarea.value;
    var timerId = null, inFlight = false, again = false, backoff = 2000, blocked = false, submitting = false;

    function setStatus(text, kind) {
      status.textContent = text;
      status.className = "save-status" + (kind ? " save-" + kind : "");
    }
    function dirty() { return textarea.value !== lastSaved; }
    function backup() {
      try { localStorage.setItem(key, JSON.stringify({ body: textarea.value, at: Date.now() })); } catch (e) { /* storage full or disabled */ }
    }
    function clearBackup() { try { localStorage.removeItem(key); } catch (e) { /* ignore */ } }
    function params(body) {
      var p = new URLSearchParams();
      p.set("body", body);
      p.set("base_version", versionInput.value);
      return p;
    }
    function schedule(delay) {
      clearTimeout(timerId);
      timerId = setTimeout(save, delay);
    }

    function save() {
      if (!dirty() || blocked || submitting) return;
      if (inFlight) { again = true; return; }
      inFlight = true;
      var sent = textarea.value;
      setStatus("Saving…", "busy");
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRF-Token": csrf, "Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8" },
        body: params(sent),
      }).then(function (resp) {
        return resp.json().catch(function () { return {}; }).then(function (data) { return { status: resp.status, data: data }; });
      }).then(function (r) {
        inFlight = false;
        if (r.status === 200) {
          versionInput.value = r.data.version;
          lastSaved = sent;
          backoff = 2000;
          setStatus("Saved " + localTime(r.data.saved_at), "ok");
          if (!dirty()) clearBackup();
        } else if (r.status === 409 && r.data.theirs !== undefined) {
          showConflict(r.data.theirs, r.data.version);
        } else if (r.status === 401) {
          setStatus("Signed out — sign in again in another tab; your text is kept here and saves after that.", "error");
          schedule(10000);
        } else if (r.status === 403 && r.data.error === "csrf") {
          // signed in again elsewhere: the session (and its token) changed; fetch the new token
          refreshToken();
        } else if (r.status === 422 || r.status === 400 || r.status === 409 || r.status === 404) {
          setStatus("Not saved — " + (r.data.message || "the server refused this text."), "error");
        } else {
          retry();
        }
        if (again) { again = false; schedule(200); }
      }).catch(function () {
        inFlight = false;
        retry();
      });
    }

    function refreshToken() {
      fetch("/account/csrf.json", { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (resp) { return resp.ok ? resp.json() : Promise.reject(resp.status); })
        .then(function (data) { csrf = data.csrf; csrfInput.value = data.csrf; schedule(200); })
        .catch(function () {
          setStatus("Signed out — sign in again in another tab; your text is kept here and saves after that.", "error");
          schedule(10000);
        });
    }

    function retry() {
      setStatus("Not saved — retrying", "error");
      schedule(backoff);
      backoff = Math.min(backoff * 2, 30000);
    }

    function showConflict(theirs, version) {
      blocked = true;
      setStatus("Not saved — choose which text to keep", "error");
      $("[data-theirs]", conflict).textContent = theirs;
      $("[data-mine]", conflict).textContent = textarea.value;
      conflict.hidden = false;
      $("[data-keep-mine]", conflict).onclick = function () {
        versionInput.value = version;
        conflict.hidden = true;
        blocked = false;
        lastSaved = theirs;
        save();
      };
      $("[data-use-theirs]", conflict).onclick = function () {
        backup();
        textarea.value = theirs;
        versionInput.value = version;
        lastSaved = theirs;
        conflict.hidden = true;
        blocked = false;
        setStatus("Using the saved text", "ok");
      };
      conflict.scrollIntoView({ block: "nearest" });
    }

    textarea.addEventListener("input", function () {
      backup();
      setStatus("Unsaved changes", "busy");
      schedule(1500);
    });
    form.addEventListener("submit", function () { submitting = true; clearTimeout(timerId); });
    function flush() {
      if (!dirty() || submitting || blocked) return;
      var body = params(textarea.value);
      body.set("_csrf", csrf);
      var quietUrl = url + "?quiet=1";
      if (navigator.sendBeacon) {
        navigator.sendBeacon(quietUrl, body);
      } else {
        fetch(quietUrl, { method: "POST", keepalive: true, credentials: "same-origin", body: body });
      }
    }
    document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden") flush(); });
    window.addEventListener("pagehide", flush);
    window.addEventListener("beforeunload", function (e) {
      if (dirty() && !submitting) { save(); e.preventDefault(); e.returnValue = ""; }
    });

    // a local copy newer than what the server has (e.g. typed while signed out): offer it back
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
        restore.onclick = function () { textarea.value = saved.body; note.remove(); setStatus("Restored — saving…", "busy"); save(); };
        var dismiss = document.createElement("button");
        dismiss.type = "button";
        dismiss.className = "button small subtle";
        dismiss.textContent = "Discard";
        dismiss.onclick = function () { clearBackup(); note.remove(); };
        note.appendChild(restore);
        note.appendChild(dismiss);
        form.insertBefore(note, form.firstChild);
      }
    } catch (e) { /* storage disabled */ }
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
})();
