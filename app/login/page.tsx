import type { Metadata } from "next";
import { AppShell } from "@/components/app-shell";
import { LoginForm } from "@/components/login-form";
import { safeRedirectPath } from "@/lib/safe-redirect";

export const metadata: Metadata = { title: "Sign in" };

type LoginPageProps = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function LoginPage({ searchParams }: LoginPageProps) {
  const params = await searchParams;
  const next = safeRedirectPath(typeof params.next === "string" ? params.next : undefined, "/account");
  return (
    <AppShell>
      <div className="card narrow">
        <h1>Sign in</h1>
        <LoginForm next={next} />
      </div>
    </AppShell>
  );
}
