import type { Metadata } from "next";
import Link from "next/link";
import { AppShell } from "@/components/app-shell";

export const metadata: Metadata = { title: "Page not found" };

/**
 * The 404 page. Next's built-in one uses inline style attributes and an unnonced <style>, which the production CSP
 * (style-src 'self' 'nonce-…') blocks — this one uses the app's stylesheet only.
 */
export default function NotFound() {
  return (
    <AppShell>
      <div className="card narrow">
        <h1>Page not found</h1>
        <p>There is nothing at this address.</p>
        <p>
          <Link href="/account">Go to your account</Link>
        </p>
      </div>
    </AppShell>
  );
}
