import type { Metadata } from "next";
import Link from "next/link";
import { AppShell } from "@/components/app-shell";
import { ForgotPasswordForm } from "./forgot-password-form";

export const metadata: Metadata = { title: "Forgot password" };

export default function ForgotPasswordPage() {
  return (
    <AppShell>
      <div className="card narrow">
        <h1>Reset your password</h1>
        <p>Enter the email address of your account. We will send you a link to choose a new password.</p>
        <ForgotPasswordForm />
        <p>
          <Link href="/login">Back to sign in</Link>
        </p>
      </div>
    </AppShell>
  );
}
