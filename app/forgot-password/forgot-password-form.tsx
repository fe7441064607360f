"use client";

import { useState, type FormEvent } from "react";

type State = { kind: "idle" } | { kind: "sending" } | { kind: "sent"; message: string } | { kind: "error"; message: string };

export function ForgotPasswordForm() {
  const [state, setState] = useState<State>({ kind: "idle" });
  const [email, setEmail] = useState("");

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setState({ kind: "sending" });
    try {
      const res = await fetch("/forgot-password/request", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email }),
      });
      const body = (await res.json().catch(() => ({}))) as { message?: string };
      if (res.ok) setState({ kind: "sent", message: body.message ?? "Check your inbox." });
      else setState({ kind: "error", message: body.message ?? "Something went wrong. Please try again." });
    } catch {
      setState({ kind: "error", message: "We could not reach the server. Check your connection and try again." });
    }
  }

  const sending = state.kind === "sending";
  return (
    <form onSubmit={onSubmit} noValidate aria-describedby="forgot-status">
      <div className="field">
        <label htmlFor="forgot-email">Email address</label>
        <input
          id="forgot-email"
          name="email"
          type="email"
          autoComplete="email"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          aria-invalid={state.kind === "error" ? true : undefined}
          aria-describedby="forgot-status"
        />
      </div>
      <div id="forgot-status" aria-live="polite" role="status">
        {state.kind === "sent" ? <div className="alert success">{state.message}</div> : null}
        {state.kind === "error" ? <div className="alert error">{state.message}</div> : null}
      </div>
      <button type="submit" className="button block" disabled={sending} aria-disabled={sending}>
        {sending ? "Sending…" : "Send reset link"}
      </button>
    </form>
  );
}
