/*
 * Aisle live view: follows the kiosk's current session over Server-Sent Events and lets staff type a message.
 *
 * The stream is read with fetch() rather than EventSource so that it can send the access token as a header, keep
 * its Last-Event-ID across server restarts (EventSource forgets it when a new one is made) and notice a silent
 * connection by the missing heartbeats. It reconnects with exponential backoff and resumes where it left off; the
 * server replays what was missed. Messages typed while disconnected wait in an outbox and are sent, in order, once
 * the stream is back.
 */
(() => {
  "use strict";

  const HEARTBEAT_GRACE_MS = 45000; // the server sends a heartbeat every 15 s by default
  const BACKOFF_MIN_MS = 500;
  const BACKOFF_MAX_MS = 10000;
  const MAX_CHARS = 1000;

  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  let token = params.get("token") || sessionStorage.getItem("aisle.token") || "";
  if (params.has("token")) { // keep the token out of the address bar and of anything shared from it
    sessionStorage.setItem("aisle.token", token);
    params.delete("token");
    const rest = params.toString();
    history.replaceState(null, "", location.pathname + (rest ? "?" + rest : "") + location.hash);
  }
  const target = params.get("session") || "current";

  const state = {
    lastEventId: "",
    seen: new Map(), // session id -> last event id rendered
    sessionId: null,
    attempt: 0,
    controller: null,
    watchdog: null,
    retryTimer: null,
    countdown: null,
    live: false,
    assistant: null, // the assistant bubble being streamed
    outbox: [], // {text, el}
    flushing: false,
  };
  window.aisleView = state; // for tests and for curious staff

  // ---------------------------------------------------------------------------------------------------------------
  // connection state

  function setConn(kind, text) {
    const el = $("conn");
    el.className = "conn conn-" + kind;
    $("conn-text").textContent = text;
    el.dataset.state = kind;
    state.live = kind === "live";
    $("send").textContent = state.live ? "Send" : "Queue";
  }

  function authHeaders(extra) {
    const headers = Object.assign({}, extra || {});
    if (token) headers.Authorization = "Bearer " + token;
    return headers;
  }

  function withToken(url) {
    return token ? url + (url.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(token) : url;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // the stream

  async function connect() {
    clearTimeout(state.retryTimer);
    clearInterval(state.countdown);
    if (state.controller) state.controller.abort();
    const controller = new AbortController();
    state.controller = controller;
    setConn(state.attempt ? "reconnecting" : "connecting", state.attempt ? "Reconnecting…" : "Connecting…");
    const headers = authHeaders({ Accept: "text/event-stream" });
    if (state.lastEventId) headers["Last-Event-ID"] = state.lastEventId;
    let response;
    try {
      response = await fetch("api/stream/" + encodeURIComponent(target), {
        headers, signal: controller.signal, cache: "no-store",
      });
    } catch (err) {
      if (controller.signal.aborted && controller !== state.controller) return;
      return retry();
    }
    if (response.status === 401) {
      setConn("denied", "Access token needed");
      note("This kiosk needs an access token: open this page as …/?token=YOUR_TOKEN.", true);
      return retry(30000);
    }
    if (!response.ok || !response.body) {
      return retry();
    }
    state.attempt = 0;
    setConn("live", "Live");
    armWatchdog(controller);
    flushOutbox();
    const parser = new SseParser(dispatch);
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        armWatchdog(controller);
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } catch (err) {
      // aborted by the watchdog, or the connection dropped
    }
    clearTimeout(state.watchdog);
    if (controller === state.controller) retry();
  }

  function armWatchdog(controller) {
    clearTimeout(state.watchdog);
    state.watchdog = setTimeout(() => controller.abort(), HEARTBEAT_GRACE_MS);
  }

  function retry(minDelay) {
    state.attempt += 1;
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** (state.attempt - 1));
    const delay = Math.max(minDelay || 0, Math.round(base * (0.8 + Math.random() * 0.4)));
    const until = Date.now() + delay;
    const offline = navigator.onLine === false;
    const show = () => {
      const secs = Math.max(0, Math.ceil((until - Date.now()) / 1000));
      if ($("conn").dataset.state === "denied") return;
      setConn(offline ? "offline" : "reconnecting",
        (offline ? "Offline · retrying" : "Reconnecting") + (secs ? " in " + secs + " s" : "…"));
    };
    show();
    clearInterval(state.countdown);
    state.countdown = setInterval(show, 500);
    clearTimeout(state.retryTimer);
    state.retryTimer = setTimeout(connect, delay);
  }

  window.addEventListener("online", () => { if (!state.live) { state.attempt = 0; connect(); } });

  /** A small Server-Sent Events line parser (the WHATWG rules: fields, comments, blank-line dispatch). */
  class SseParser {
    constructor(onEvent) {
      this.onEvent = onEvent;
      this.buffer = "";
      this.reset();
    }
    reset() { this.type = ""; this.data = []; this.id = null; }
    feed(text) {
      this.buffer += text;
      let start = 0;
      for (let i = 0; i < this.buffer.length; i++) {
        const ch = this.buffer[i];
        if (ch !== "\n" && ch !== "\r") continue;
        if (ch === "\r" && i + 1 >= this.buffer.length) break; // a \r\n may be split across chunks
        const line = this.buffer.slice(start, i);
        if (ch === "\r" && this.buffer[i + 1] === "\n") i++;
        start = i + 1;
        this.line(line);
      }
      this.buffer = this.buffer.slice(start);
    }
    line(line) {
      if (line === "") {
        if (this.id !== null) state.lastEventId = this.id;
        if (this.data.length) this.onEvent(this.type || "message", this.data.join("\n"));
        this.reset();
        return;
      }
      if (line[0] === ":") return; // a heartbeat or comment
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value[0] === " ") value = value.slice(1);
      if (field === "event") this.type = value;
      else if (field === "data") this.data.push(value);
      else if (field === "id" && !value.includes("\0")) this.id = value;
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // events

  function dispatch(type, raw) {
    let event;
    try { event = JSON.parse(raw); } catch (err) { return; }
    const sid = event.session_id;
    if (sid && typeof event.id === "number") { // never render an event twice, whatever the network did
      if (event.id <= (state.seen.get(sid) || 0)) return;
      state.seen.set(sid, event.id);
    }
    const data = event.data || {};
    switch (type) {
      case "session_started": startSession(sid); break;
      case "session_ended": endSession(data); break;
      case "shopper_message": ensureSession(sid); shopperTurn(data); break;
      case "text_chunk": ensureSession(sid); assistantChunk(data.text || ""); break;
      case "completion": ensureSession(sid); assistantDone(data); break;
      case "function_call": ensureSession(sid); toolResult(data); break;
      case "context": ensureSession(sid); renderCart(data.cart); break;
      case "error":
        if (data.code === "too_slow") break; // the stream closes; the reconnect resumes where it stopped
        note(data.message || "Something went wrong.", true);
        break;
      case "notice": if (data.text || data.message) note(data.text || data.message); break;
      case "brain_changed": note("Assistant: " + (data.brain || "changed")); break;
      case "voice_state": voiceState(data); break;
      case "transcript": transcript(data); break;
      default: break;
    }
  }

  function ensureSession(sid) {
    if (sid && state.sessionId !== sid) startSession(sid, true);
  }

  function startSession(sid, quiet) {
    if (state.sessionId === sid) return;
    const hadOne = state.sessionId !== null;
    state.sessionId = sid;
    state.assistant = null;
    $("session").textContent = sid ? "Session " + sid : "";
    const transcriptEl = $("transcript");
    for (const el of Array.from(transcriptEl.children)) {
      if (!el.classList.contains("pending")) el.remove();
    }
    if (hadOne && !quiet) divider("New shopper");
    showEmpty(true);
    renderCards([], "");
    renderCart(null);
    $("order").hidden = true;
  }

  function endSession(data) {
    finishAssistant();
    const reasons = { idle: "the kiosk was idle", shutdown: "the kiosk shut down", checkout: "checkout finished",
      start_over: "the shopper started over", replaced: "a new session began" };
    divider("Session ended" + (data.reason ? " · " + (reasons[data.reason] || data.reason) : ""));
  }

  function showEmpty(maybe) {
    const transcriptEl = $("transcript");
    let empty = $("empty");
    const hasContent = Array.from(transcriptEl.children).some((el) => el.id !== "empty");
    if (maybe && !hasContent) {
      if (!empty) {
        empty = document.createElement("div");
        empty.id = "empty";
        empty.className = "empty";
        empty.innerHTML = '<p class="empty-title">Waiting for a shopper</p>' +
          "<p>The conversation at the kiosk appears here as it happens. You can also type a message below.</p>";
        transcriptEl.prepend(empty);
      }
    } else if (empty) {
      empty.remove();
    }
  }

  function append(el) {
    const box = $("transcript");
    const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    showEmpty(false);
    const firstPending = box.querySelector(".pending");
    if (firstPending && !el.classList.contains("pending")) box.insertBefore(el, firstPending);
    else box.appendChild(el);
    if (nearBottom || el.classList.contains("pending")) box.scrollTop = box.scrollHeight;
  }

  function bubble(kind, text) {
    const el = document.createElement("div");
    el.className = "bubble " + kind;
    el.textContent = text;
    return el;
  }

  function note(text, isError) {
    const el = document.createElement("div");
    el.className = "note" + (isError ? " error" : "");
    el.textContent = text;
    append(el);
  }

  function divider(text) {
    const el = document.createElement("div");
    el.className = "divider";
    el.textContent = text;
    append(el);
  }

  function shopperTurn(data) {
    finishAssistant();
    const el = bubble("shopper", data.text || "");
    if (data.source && data.source !== "typed") {
      const src = document.createElement("span");
      src.className = "source";
      src.textContent = { voice: "spoken", api: "sent from a second screen", touch: "tapped" }[data.source] || data.source;
      el.appendChild(src);
    }
    append(el);
    $("hearing").hidden = true;
  }

  function assistantChunk(text) {
    if (!state.assistant) {
      state.assistant = bubble("assistant streaming", "");
      state.assistant.dataset.text = "";
      append(state.assistant);
    }
    state.assistant.dataset.text += text;
    state.assistant.textContent = state.assistant.dataset.text;
    const box = $("transcript");
    if (box.scrollHeight - box.scrollTop - box.clientHeight < 120) box.scrollTop = box.scrollHeight;
  }

  function assistantDone(data) {
    if (data.text) {
      if (!state.assistant) assistantChunk("");
      state.assistant.textContent = data.text; // the complete reply is the authority
    }
    if (data.failed && !data.text && !state.assistant) note("The assistant could not answer.", true);
    finishAssistant();
  }

  function finishAssistant() {
    if (state.assistant) state.assistant.classList.remove("streaming");
    state.assistant = null;
  }

  function voiceState(data) {
    const el = $("voice");
    const label = { listening: "Listening", thinking: "Thinking", speaking: "Speaking" }[data.state];
    el.hidden = !label;
    el.textContent = label ? "🎙 " + label : "";
  }

  function transcript(data) {
    const el = $("hearing");
    if (data.role === "assistant" || data.final) { el.hidden = true; return; }
    el.hidden = !data.text;
    el.textContent = data.text ? "Hearing: “" + data.text + "”" : "";
  }

  // ---------------------------------------------------------------------------------------------------------------
  // products and cart

  function toolResult(data) {
    const result = data.result || {};
    if (!result.ok) return;
    const params = data.parameters || {};
    if (data.name === "search_products" && Array.isArray(result.products)) {
      const bits = [];
      if (result.query) bits.push("“" + result.query + "”");
      const f = result.filters || {};
      if (f.category) bits.push(f.category.replace(/-/g, " "));
      if (f.max_price != null) bits.push("under " + money(f.max_price));
      renderCards(result.products, result.products.length + " found" + (bits.length ? " · " + bits.join(" · ") : ""));
    } else if (data.name === "show_product_details" && result.product) {
      renderCards([result.product].concat(result.recommendations || []),
        "Details · " + (result.product.brand + " " + result.product.name).trim());
    } else if (data.name === "get_recommendations" && Array.isArray(result.recommendations || result.products)) {
      renderCards(result.recommendations || result.products, "Recommended" + (params.based_on ? " · " + params.based_on : ""));
    } else if (data.name === "checkout" && result.order_number) {
      const el = $("order");
      el.hidden = false;
      el.textContent = "Order " + result.order_number + " placed · " + money(result.total);
    }
  }

  function money(value) {
    const n = Number(value || 0);
    return "$" + n.toFixed(2);
  }

  function renderCards(products, caption) {
    const box = $("cards");
    box.textContent = "";
    $("products-caption").textContent = caption || "";
    if (!products.length) {
      const p = document.createElement("p");
      p.className = "muted";
      p.textContent = "Products Aisle shows will appear here.";
      box.appendChild(p);
      return;
    }
    for (const product of products) {
      const card = document.createElement("article");
      card.className = "card";
      card.dataset.productId = product.id;
      const img = document.createElement("img");
      img.alt = "";
      img.loading = "lazy";
      img.src = withToken("api/products/" + encodeURIComponent(product.id) + "/image");
      const body = document.createElement("div");
      body.className = "body";
      const brand = document.createElement("span");
      brand.className = "brand";
      brand.textContent = product.brand || "";
      const title = document.createElement("span");
      title.className = "title";
      title.textContent = product.name;
      const row = document.createElement("div");
      row.className = "row";
      const price = document.createElement("span");
      price.className = "price";
      price.textContent = money(product.price);
      const badge = document.createElement("span");
      const stock = Number(product.stock || 0);
      badge.className = "badge" + (stock <= 0 ? " out" : stock <= 3 ? " low" : "");
      badge.textContent = stock <= 0 ? "Out of stock" : stock <= 3 ? "Only " + stock + " left" : "In stock";
      row.append(price);
      if (product.stock !== null && product.stock !== undefined) row.append(badge);  // null: stock not tracked
      const pid = document.createElement("span");
      pid.className = "pid";
      pid.textContent = product.id;
      body.append(brand, title, row, pid);
      card.append(img, body);
      box.appendChild(card);
    }
  }

  function renderCart(cart) {
    const list = $("cart-lines");
    list.textContent = "";
    const items = (cart && cart.items) || [];
    if (!items.length) {
      const li = document.createElement("li");
      li.className = "empty-cart";
      li.textContent = "The cart is empty.";
      list.appendChild(li);
    }
    for (const item of items) {
      const li = document.createElement("li");
      const name = document.createElement("span");
      const qty = document.createElement("span");
      qty.className = "qty";
      qty.textContent = item.quantity + " ×";
      name.append(qty, document.createTextNode(((item.brand || "") + " " + item.name).trim()));
      const total = document.createElement("span");
      total.textContent = money(item.line_total);
      li.append(name, total);
      list.appendChild(li);
    }
    $("cart-total").textContent = money(cart ? cart.total : 0);
    const count = cart ? cart.item_count || 0 : 0;
    $("cart-count").textContent = count ? count + (count === 1 ? " item" : " items") : "";
  }

  // ---------------------------------------------------------------------------------------------------------------
  // sending

  function updateOutboxNote() {
    const el = $("outbox-note");
    const n = state.outbox.length;
    el.hidden = n === 0;
    el.textContent = n ? n + (n === 1 ? " message waits" : " messages wait") + " to be sent when the connection is back." : "";
  }

  function queueMessage(text) {
    const el = bubble("pending", text);
    const tag = document.createElement("span");
    tag.className = "tag";
    tag.textContent = "Waiting to send…";
    el.appendChild(tag);
    append(el);
    state.outbox.push({ text, el });
    updateOutboxNote();
    flushOutbox();
  }

  async function flushOutbox() {
    if (state.flushing || !state.live) return;
    state.flushing = true;
    try {
      while (state.outbox.length && state.live) {
        const item = state.outbox[0];
        let response;
        try {
          response = await fetch("api/sessions/" + encodeURIComponent(target) + "/messages", {
            method: "POST",
            headers: authHeaders({ "Content-Type": "application/json" }),
            body: JSON.stringify({ text: item.text }),
          });
        } catch (err) {
          break; // the network is down: the stream will notice, and the next connect flushes again
        }
        if (response.status === 202) {
          state.outbox.shift();
          item.el.remove(); // the shopper_message event shows it for real
        } else if (response.status === 429 || response.status === 503) {
          const wait = Number(response.headers.get("Retry-After") || "2");
          item.el.querySelector(".tag").textContent = "Waiting " + wait + " s (too many messages)…";
          await new Promise((resolve) => setTimeout(resolve, wait * 1000));
        } else {
          let detail = "The message was not accepted.";
          try { detail = (await response.json()).detail || detail; } catch (err) { /* not JSON */ }
          state.outbox.shift();
          item.el.classList.add("failed");
          item.el.querySelector(".tag").textContent = "Not sent: " + detail;
          item.el.classList.remove("pending");
          item.el.classList.add("note", "error");
          if (response.status === 401) setConn("denied", "Access token needed");
        }
        updateOutboxNote();
      }
    } finally {
      state.flushing = false;
    }
  }

  function setupComposer() {
    const form = $("composer");
    const input = $("message");
    const autosize = () => {
      input.style.height = "auto";
      input.style.height = Math.min(140, input.scrollHeight) + "px";
    };
    input.addEventListener("input", autosize);
    input.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
        ev.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const text = input.value.replace(/\s+/g, " ").trim();
      if (!text) return;
      if (text.length > MAX_CHARS) {
        note("That message is too long (" + text.length + " characters; the limit is " + MAX_CHARS + ").", true);
        return;
      }
      input.value = "";
      autosize();
      queueMessage(text);
    });
  }

  setupComposer();
  renderCart(null);
  connect();
})();
