import { redirect } from "next/navigation";

/** The product has no landing page: the account is the home, and it sends visitors without a session to /login. */
export default function Home() {
  redirect("/account");
}
