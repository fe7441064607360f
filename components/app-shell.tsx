import Link from "next/link";
import { SignOutButton } from "@/components/sign-out-button";

type AppShellProps = {
  children: React.ReactNode;
  /** When set, the header shows who is signed in and the sign-out button. */
  signedInAs?: string | null;
  /** Extra header navigation (links) for authenticated pages. */
  nav?: React.ReactNode;
};

/** Page frame: header (with sign-out on authenticated pages) and the `#main` landmark the skip link targets. */
export function AppShell({ children, signedInAs, nav }: AppShellProps) {
  const authenticated = signedInAs !== undefined && signedInAs !== null;
  return (
    <>
      <header className="site-header">
        <Link className="brand" href={authenticated ? "/account" : "/login"}>
          MindRoom account
        </Link>
        {authenticated ? (
          <nav aria-label="Account">
            {nav}
            <span className="muted" data-testid="signed-in-as">
              {signedInAs}
            </span>
            <SignOutButton />
          </nav>
        ) : null}
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
