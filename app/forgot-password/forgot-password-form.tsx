"use client";

import { useState, type FormEvent } from "react";
import { Alert } from "@/components/alert";
import { FormField } from "@/components/form-field";
import { SubmitButton } from "@/components/submit-button";

type State = { kind: "idle" } | { kind: "sending" } | { kind: "sent"; message: string } | { kind: "error"; message: string };

export function ForgotPasswordForm({ initialEmail = "" }: { initialEmail?: string }) {
  const [state, setState] = useState<State>({ kind: "idle" });

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (state.kind === "sending") return;
    const email = String(new FormData(event.currentTarget).get("email") ?? "").trim();
    if (!email) {
      setState({ kind: "error", message: "Enter your email address." });
      return;
    }
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

  return (
    // method="post": without scripts nothing is put in the URL.
    <form method="post" onSubmit={onSubmit} noValidate aria-describedby="forgot-error forgot-status">
      <Alert tone="error" id="forgot-error">
        {state.kind === "error" ? state.message : null}
      </Alert>
      <Alert tone="success" id="forgot-status">
        {state.kind === "sent" ? state.message : null}
      </Alert>
      <FormField label="Email" name="email" type="email" autoComplete="email" inputMode="email" required defaultValue={initialEmail} />
      <SubmitButton pending={state.kind === "sending"} pendingLabel="Sending…">
        Send reset link
      </SubmitButton>
    </form>
  );
}
