// Submitting a sealed bid from the browser (docs/submission.md): the bid file and the custodians'
// acknowledgements go to the platform over the open tus 1.0 protocol with tus-js-client (vendored), in
// chunks, resumably: a dropped connection is retried from the offset the platform holds (HEAD), Pause and
// Resume stop and go on, and a page reloaded mid-way finds its upload again (the fingerprint below). The
// session authenticates it, with the page's CSRF token. No checksum is sent: the platform checks a chunk's
// SM3 only when the client sends one (optional in tus), and the whole file's when the last byte arrives.
//
// Time is the platform's: the page carries the server's instant, the offset to the browser's clock is
// measured once (and kept within what each answer's Date header allows), and the clock and the countdown
// to the chosen section's deadline run from it. The platform decides "late" anyway, by the instant the
// last byte arrives.
(function () {
  "use strict";
  const root = document.getElementById("bid-submit");
  if (!root || typeof tus === "undefined") return;
  const messages = JSON.parse(document.getElementById("submit-messages").textContent);
  const BEIJING = 8 * 3600 * 1000; // Asia/Shanghai: UTC+8, no summer time
  const RETRY_DELAYS = [0, 1000, 3000, 5000, 10000, 20000, 30000, 60000];

  // --- the platform's time ------------------------------------------------------------------------

  // When the page's first byte arrived here, on this browser's clock (the server read its time just
  // before it answered): now, less the time since then by the monotonic clock; now itself if the browser
  // does not say (or says something implausible).
  function pageArrival() {
    const now = Date.now();
    const entries = performance.getEntriesByType ? performance.getEntriesByType("navigation") : [];
    const nav = entries && entries[0];
    if (nav && nav.responseStart > 0) {
      const since = performance.now() - nav.responseStart;
      if (since >= 0 && since < 60000) return now - since;
    }
    return now;
  }

  let offset = Date.parse(root.dataset.serverNow) - pageArrival();

  function serverNow() {
    return Date.now() + offset;
  }

  // An answer's Date header (whole seconds) bounds the platform's time when the answer arrived:
  // keep the estimate within it (a second's rounding and some latency allowed).
  function refreshFrom(dateHeader) {
    const said = Date.parse(dateHeader || "");
    if (Number.isNaN(said)) return;
    const estimate = serverNow();
    if (estimate < said - 500) offset += said - estimate;
    else if (estimate > said + 2500) offset -= estimate - (said + 1000);
  }

  function two(n) {
    return String(n).padStart(2, "0");
  }

  function beijing(ms) {
    const d = new Date(ms + BEIJING);
    return d.getUTCFullYear() + "-" + two(d.getUTCMonth() + 1) + "-" + two(d.getUTCDate()) + " " +
      two(d.getUTCHours()) + ":" + two(d.getUTCMinutes()) + ":" + two(d.getUTCSeconds());
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  // Text into `element`, the values named in `codes` as <code translate="no"> (codes, hashes, numbers).
  function fillInto(element, template, values, codes) {
    element.textContent = "";
    template.split(/(\{\w+\})/).forEach(function (part) {
      const key = /^\{(\w+)\}$/.exec(part);
      if (key && Object.prototype.hasOwnProperty.call(values, key[1])) {
        if (codes.indexOf(key[1]) >= 0) {
          const code = document.createElement("code");
          code.setAttribute("translate", "no");
          code.textContent = String(values[key[1]]);
          element.appendChild(code);
        } else {
          element.appendChild(document.createTextNode(String(values[key[1]])));
        }
      } else if (part) {
        element.appendChild(document.createTextNode(part));
      }
    });
  }

  const clock = document.getElementById("server-clock");
  const countdown = document.getElementById("countdown");
  const section = document.getElementById("id_section");

  function chosenDeadline() {
    const option = section && section.selectedOptions[0];
    return option && option.dataset.deadline ? Date.parse(option.dataset.deadline) : null;
  }

  function tick() {
    const now = serverNow();
    clock.textContent = beijing(now);
    clock.dateTime = new Date(now).toISOString();
    const deadline = chosenDeadline();
    if (deadline === null) {
      countdown.textContent = messages.choose_section;
      return;
    }
    const left = Math.floor((deadline - now) / 1000);
    if (left <= 0) {
      countdown.textContent = messages.passed;
      countdown.dataset.left = "0";
      return;
    }
    const days = Math.floor(left / 86400);
    const time = two(Math.floor((left % 86400) / 3600)) + ":" + two(Math.floor((left % 3600) / 60)) + ":" + two(left % 60);
    countdown.textContent = fill(messages.countdown, {
      time: days > 0 ? fill(messages.days, { days: days, time: time }) : time,
    });
    countdown.dataset.left = String(left);
  }

  tick();
  window.setInterval(tick, 250);

  const form = document.getElementById("bid-upload");
  if (!form) return;

  // --- the form -----------------------------------------------------------------------------------

  const bidInput = document.getElementById("id_bid");
  const acksInput = document.getElementById("id_acks");
  const bidInfo = document.getElementById("bid-info");
  const replaceNote = document.getElementById("replace-note");
  const deadlineShown = document.getElementById("deadline-shown");
  const startButton = document.getElementById("upload-start");
  const pauseButton = document.getElementById("upload-pause");
  const resumeButton = document.getElementById("upload-resume");
  const progress = document.getElementById("upload-progress");
  const bar = document.getElementById("upload-bar");
  const status = document.getElementById("upload-status");
  const errorBox = document.getElementById("upload-error");
  const done = document.getElementById("upload-done");
  const csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
  let upload = null;
  let header = null;

  function megabytes(bytes) {
    return fill(messages.megabytes, { size: (bytes / 1048576).toFixed(bytes < 10485760 ? 2 : 1) });
  }

  function showError(text) {
    errorBox.textContent = text;
    errorBox.hidden = !text;
  }

  function setProgress(sent, total) {
    const percent = total > 0 ? Math.floor((sent / total) * 100) : 0;
    bar.style.width = percent + "%"; // CSSOM, not a style attribute: the CSP allows it
    bar.textContent = percent + "%";
    progress.setAttribute("aria-valuenow", String(percent));
  }

  function busy(running) {
    section.disabled = running;
    bidInput.disabled = running;
    acksInput.disabled = running;
    startButton.disabled = running;
  }

  function sectionChosen() {
    const option = section.selectedOptions[0];
    replaceNote.hidden = !(option && option.dataset.hasBid);
    deadlineShown.hidden = !(option && option.dataset.deadlineShown);
    deadlineShown.textContent = deadlineShown.hidden ? "" : fill(messages.deadline, { deadline: option.dataset.deadlineShown });
    tick();
    if (header) checkSection();
  }

  function checkSection() {
    const codes = Array.prototype.map.call(section.options, function (o) { return o.value; });
    if (codes.indexOf(header.section) < 0) {
      showError(fill(messages.section_closed, { section: header.section }));
      return false;
    }
    if (!section.value) {
      section.value = header.section; // the file says which section it was sealed for
      sectionChosen();
    }
    if (section.value !== header.section) {
      showError(fill(messages.wrong_section, { section: header.section }));
      return false;
    }
    showError("");
    return true;
  }

  function ascii(bytes) {
    return String.fromCharCode.apply(null, Array.from(bytes));
  }

  // The header of a ggzy-bid-v2 file (docs/sealed-bid-format.md §1): "GGZYBID2" ‖ stream ‖ header ‖
  // u32 length ‖ "GGZYEND2". Only the header is read, never the ciphertext.
  async function readHeader(file) {
    if (file.size < 21) throw new Error(messages.not_bid);
    const head = new Uint8Array(await file.slice(0, 8).arrayBuffer());
    const tail = new Uint8Array(await file.slice(file.size - 12).arrayBuffer());
    if (ascii(head) !== "GGZYBID2" || ascii(tail.subarray(4)) !== "GGZYEND2") throw new Error(messages.not_bid);
    const length = new DataView(tail.buffer).getUint32(0, false);
    if (length < 1 || length > 262144 || length > file.size - 20) throw new Error(messages.not_bid);
    let found;
    try {
      found = JSON.parse(await file.slice(file.size - 12 - length, file.size - 12).text());
    } catch (error) {
      throw new Error(messages.not_bid);
    }
    if (!found || found.format !== "ggzy-bid-v2" || typeof found.section !== "string" ||
        typeof found.ciphertext_sm3 !== "string") {
      throw new Error(messages.not_bid);
    }
    return found;
  }

  // The acknowledgements `ggzy-bid register --out` wrote: a JSON list, at least one of them of this
  // bid's ciphertext (the platform checks their signatures). Sent compact, as ggzy-bid sends them.
  async function readAcks(file, bidHeader) {
    let acks;
    try {
      acks = JSON.parse(await file.text());
    } catch (error) {
      throw new Error(messages.acks_unreadable);
    }
    if (!Array.isArray(acks) || acks.length === 0) throw new Error(messages.acks_unreadable);
    const ours = acks.some(function (ack) {
      return ack && typeof ack === "object" && ack.payload && typeof ack.payload === "object" &&
        ack.payload.ciphertext_sm3 === bidHeader.ciphertext_sm3;
    });
    if (!ours) throw new Error(messages.acks_other);
    return JSON.stringify(acks);
  }

  async function bidChosen() {
    header = null;
    bidInfo.textContent = "";
    showError("");
    const file = bidInput.files[0];
    if (!file) return;
    try {
      header = await readHeader(file);
    } catch (error) {
      showError(error.message);
      return;
    }
    fillInto(bidInfo, messages.bid_info, {
      section: header.section, size: megabytes(file.size), sm3: header.ciphertext_sm3,
    }, ["section", "sm3"]);
    checkSection();
  }

  // A short, stable digest of a text (FNV-1a, 32 bits): part of the fingerprint only, never a check.
  function digest(text) {
    let hash = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) {
      hash ^= text.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    return hash.toString(16);
  }

  // --- the response -------------------------------------------------------------------------------

  function refusal(error) {
    const response = error && error.originalResponse;
    const code = response ? response.getStatus() : 0;
    if (!response || code === 0) return { status: 0, text: messages.stopped };
    let text = "";
    try {
      const body = JSON.parse(response.getBody() || "");
      if (body && typeof body.message === "string") text = body.message;
    } catch (ignored) {
      text = "";
    }
    return { status: code, text: text || fill(messages.refused, { status: code }) };
  }

  function instantShown(iso) {
    // RFC 3339 UTC with microseconds: the Beijing time to the second and the fraction as given
    const fraction = /\.(\d+)Z$/.exec(iso);
    const ms = Date.parse(iso.replace(/(\.\d{3})\d*Z$/, "$1Z"));
    if (Number.isNaN(ms)) return iso;
    return beijing(ms) + (fraction ? "." + fraction[1] : "") + " " + messages.beijing;
  }

  function receiptLinks(bid, receiptPath) {
    const placeholder = root.dataset.placeholder;
    const json = document.getElementById("done-receipt-json");
    json.href = receiptPath || root.dataset.receiptJson.replace(placeholder, bid);
    json.setAttribute("download", "receipt-" + bid + ".json");
    const pdf = document.getElementById("done-receipt-pdf");
    if (root.dataset.receiptPdf) {
      pdf.href = root.dataset.receiptPdf.replace(placeholder, bid);
      pdf.hidden = false;
    } else {
      pdf.hidden = true;
    }
    return json.href;
  }

  async function confirmFromReceipt(url) {
    // the platform's signed receipt names the ciphertext's SM3 it received
    try {
      const answer = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!answer.ok) return;
      const signed = await answer.json();
      if (signed && signed.receipt && typeof signed.receipt.ciphertext_sm3 === "string") {
        document.getElementById("done-sm3").textContent = signed.receipt.ciphertext_sm3;
      }
    } catch (ignored) {
      // the receipt stays downloadable from the link
    }
  }

  function succeeded(lastResponse, sectionCode) {
    const bid = lastResponse.getHeader("Ggzy-Bid") || "";
    const receivedAt = lastResponse.getHeader("Ggzy-Received-At") || "";
    refreshFrom(lastResponse.getHeader("Date"));
    setProgress(1, 1);
    status.textContent = messages.received;
    showError("");
    document.getElementById("done-bid").textContent = bid;
    document.getElementById("done-sm3").textContent = header ? header.ciphertext_sm3 : "";
    document.getElementById("done-at").textContent = instantShown(receivedAt);
    document.getElementById("done-at-utc").textContent = receivedAt;
    const url = receiptLinks(bid, lastResponse.getHeader("Ggzy-Receipt"));
    done.hidden = false;
    done.dataset.bid = bid;
    const option = Array.prototype.find.call(section.options, function (o) { return o.value === sectionCode; });
    if (option) option.dataset.hasBid = "1"; // another upload for it replaces this one
    upload = null;
    busy(false);
    pauseButton.disabled = true;
    resumeButton.disabled = true;
    confirmFromReceipt(url);
  }

  function failed(error) {
    const found = refusal(error);
    showError(found.text);
    pauseButton.disabled = true;
    // a connection that stayed down, a platform in trouble, a busy upload: Resume goes on from the offset
    // the platform holds; a refusal (late, the file, the acknowledgements…) ends this upload
    const resumable = found.status === 0 || found.status >= 500 || found.status === 423 || found.status === 409;
    resumeButton.disabled = !resumable;
    if (!resumable) {
      upload = null;
      busy(false);
    }
  }

  async function start(event) {
    event.preventDefault();
    showError("");
    done.hidden = true;
    const bidFile = bidInput.files[0];
    const acksFile = acksInput.files[0];
    if (!section.value || !bidFile || !acksFile) {
      showError(messages.need_files);
      return;
    }
    let acks;
    try {
      header = await readHeader(bidFile);
      if (!checkSection()) return;
      acks = await readAcks(acksFile, header);
    } catch (error) {
      showError(error.message);
      return;
    }
    const sectionCode = section.value;
    busy(true);
    setProgress(0, bidFile.size);
    upload = new tus.Upload(bidFile, {
      endpoint: root.dataset.endpoint,
      chunkSize: Number(root.dataset.chunkSize),
      retryDelays: RETRY_DELAYS,
      // the platform's refusals in the page's language (the API would otherwise follow the browser's)
      headers: { "X-CSRFToken": csrf, "Accept-Language": root.dataset.language || "zh-hans" },
      metadata: { section: sectionCode, filename: bidFile.name, acknowledgements: acks },
      // the same file, section and acknowledgements after a reload: the same upload, resumed
      fingerprint: function (file, options) {
        return Promise.resolve(["ggzy-bid", sectionCode, file.name, file.size, file.lastModified,
          digest(acks), options.endpoint].join("|"));
      },
      removeFingerprintOnSuccess: true,
      onProgress: function (sent, total) {
        setProgress(sent, total);
        status.textContent = sent >= total
          ? messages.checking
          : fill(messages.uploading, { done: megabytes(sent), total: megabytes(total) });
      },
      onAfterResponse: function (request, response) {
        refreshFrom(response.getHeader("Date"));
      },
      onShouldRetry: function (error) {
        const code = error.originalResponse ? error.originalResponse.getStatus() : 0;
        const retry = (code < 400 || code >= 500 || code === 409 || code === 423) && navigator.onLine !== false;
        if (retry) status.textContent = messages.retrying;
        return retry;
      },
      onError: failed,
      onSuccess: function (payload) {
        succeeded(payload.lastResponse, sectionCode);
      },
    });
    pauseButton.disabled = false;
    resumeButton.disabled = true;
    const previous = await upload.findPreviousUploads().catch(function () { return []; });
    if (previous.length > 0) upload.resumeFromPreviousUpload(previous[0]);
    upload.start();
  }

  function pause() {
    if (!upload) return;
    upload.abort().then(function () {
      const total = bidInput.files[0] ? bidInput.files[0].size : 0;
      const sent = Number(progress.getAttribute("aria-valuenow")) * total / 100;
      status.textContent = fill(messages.paused, { done: megabytes(sent), total: megabytes(total) });
    });
    pauseButton.disabled = true;
    resumeButton.disabled = false;
  }

  function resume() {
    if (!upload) return;
    showError("");
    pauseButton.disabled = false;
    resumeButton.disabled = true;
    upload.start(); // HEAD: the offset the platform holds, then the rest
  }

  section.addEventListener("change", sectionChosen);
  bidInput.addEventListener("change", bidChosen);
  form.addEventListener("submit", start);
  pauseButton.addEventListener("click", pause);
  resumeButton.addEventListener("click", resume);
  sectionChosen();
})();
