/* consentkit: the banner's choice without a reload, the page's consent-gated scripts, and
   Google Consent Mode v2. Plain ES5, no framework, no eval, never document.cookie.

   Loaded three ways:
   - injected with the banner (undecided visitor): handles the banner's form;
   - injected as the "loader" with data-consentkit-granted="analytics ..." (decided visitor):
     runs the page's <script type="text/plain" data-consent="..."> of granted categories;
   - in <head> with data-consentkit-head (the consent_mode_tag helper), before any Google tag:
     only sends Consent Mode's default (and the stored choice's update), nothing else. */
(function () {
  "use strict";

  /* Consent Mode v2 signals for each category; anything not granted is denied. */
  var SIGNALS = {
    analytics: ["analytics_storage"],
    marketing: ["ad_storage", "ad_user_data", "ad_personalization"],
    functional: ["functionality_storage", "personalization_storage"]
  };
  var script = document.currentScript;
  var state = window.consentkit = window.consentkit || {};

  function gtag() {
    window.dataLayer = window.dataLayer || [];
    window.dataLayer.push(arguments);
  }

  function signals(granted) {
    var out = {};
    Object.keys(SIGNALS).forEach(function (category) {
      SIGNALS[category].forEach(function (signal) {
        out[signal] = granted.indexOf(category) >= 0 ? "granted" : "denied";
      });
    });
    return out;
  }

  function sendDefault() {
    if (state.defaultSent) {
      return;
    }
    state.defaultSent = true;
    var defaults = signals([]);
    defaults.wait_for_update = 500;
    gtag("consent", "default", defaults);
  }

  function sendUpdate(granted) {
    gtag("consent", "update", signals(granted));
  }

  function words(text) {
    return (text || "").split(/\s+/).filter(Boolean);
  }

  function allowed(element, granted) {
    var needed = words(element.getAttribute("data-consent"));
    return needed.length > 0 && needed.every(function (name) {
      return granted.indexOf(name) >= 0;
    });
  }

  /* Replace each granted text/plain script by a live copy, in document order: an external
     script is waited for before the next one runs, as the parser would. */
  function activate(granted) {
    var pending = Array.prototype.filter.call(
      document.querySelectorAll('script[type="text/plain"][data-consent]'),
      function (element) { return allowed(element, granted); }
    );
    function next() {
      var old = pending.shift();
      if (!old) {
        return;
      }
      var live = document.createElement("script");
      for (var i = 0; i < old.attributes.length; i += 1) {
        var attribute = old.attributes[i];
        if (attribute.name !== "type" && attribute.name !== "nonce" && attribute.name !== "src") {
          live.setAttribute(attribute.name, attribute.value);
        }
      }
      var type = old.getAttribute("data-type");
      if (type) {
        live.type = type;
      }
      if (old.nonce) {
        live.nonce = old.nonce;
      }
      if (old.hasAttribute("src")) {
        live.async = false;
        live.onload = live.onerror = next;
        live.src = old.getAttribute("src");
        old.parentNode.replaceChild(live, old);
      } else {
        live.text = old.text;
        old.parentNode.replaceChild(live, old);
        next();
      }
    }
    next();
  }

  function apply(granted) {
    sendUpdate(granted);
    activate(granted);
  }

  /* Tell the stylesheet the banner's real height: it keeps the focused element above the
     fixed banner (WCAG 2.4.11) and lets the end of the page scroll clear of it. */
  function makeRoom(banner) {
    var root = document.documentElement;
    function measure() {
      if (banner.hidden) {
        root.style.removeProperty("--consentkit-height");
      } else {
        root.style.setProperty("--consentkit-height", banner.getBoundingClientRect().height + "px");
      }
    }
    measure();
    if (window.ResizeObserver) {
      new window.ResizeObserver(measure).observe(banner);
    } else {
      window.addEventListener("resize", measure);
    }
    return function () {
      banner.hidden = true;
      measure();
    };
  }

  function setupBanner() {
    var banner = document.getElementById("consentkit-banner");
    var form = banner && banner.querySelector("form");
    if (!form || !window.fetch || !window.URLSearchParams || !window.FormData) {
      return;
    }
    /* First in reading and focus order, wherever the app's </body> was. */
    if (banner.parentNode === document.body) {
      document.body.insertBefore(banner, document.body.firstChild);
    }
    var hide = makeRoom(banner);
    var busy = false;
    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      if (!submitter || submitter.name !== "choice" || busy) {
        return; /* an unknown way of submitting: let the browser post the form */
      }
      event.preventDefault();
      busy = true;
      var body = new URLSearchParams();
      new FormData(form).forEach(function (value, key) {
        body.append(key, value);
      });
      body.append("choice", submitter.value);
      banner.setAttribute("aria-busy", "true");
      window.fetch(form.getAttribute("action"), {
        method: "POST",
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        body: body
      }).then(function (response) {
        if (!response.ok) {
          throw new Error("consentkit: " + response.status);
        }
        return response.json();
      }).then(function (result) {
        var granted = result.granted || [];
        hide();
        announce(banner);
        apply(granted);
        /* For the page's own code: document.addEventListener("consentkit:change", ...). */
        document.dispatchEvent(new CustomEvent("consentkit:change", { detail: { granted: granted } }));
      }).catch(function () {
        /* No JSON answer: post the form the plain way, which always works. */
        var field = document.createElement("input");
        field.type = "hidden";
        field.name = "choice";
        field.value = submitter.value;
        form.appendChild(field);
        HTMLFormElement.prototype.submit.call(form);
      });
    });
  }

  function announce(banner) {
    var text = banner.getAttribute("data-consentkit-saved");
    if (!text) {
      return;
    }
    var status = document.createElement("p");
    status.className = "consentkit-visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("lang", banner.getAttribute("lang") || "");
    document.body.appendChild(status);
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  sendDefault();
  var stored = script && script.hasAttribute("data-consentkit-granted");
  var granted = words(script && script.getAttribute("data-consentkit-granted"));
  if (script && script.hasAttribute("data-consentkit-head")) {
    if (granted.length) {
      sendUpdate(granted);
    }
    return;
  }
  if (stored) {
    apply(granted);
  }
  setupBanner();
}());
