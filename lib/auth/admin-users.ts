/** Admin actions on a user's sessions: revoke all, ban (+ revoke), delete (+ revoke). */
import { ApiError } from "@/lib/api/errors";
import { db } from "@/lib/db";
import { createAdminClient } from "@/lib/supabase/admin";
import { revocationStore } from "./context";
import { isUuid, revokeAllSessions } from "./sessions";

export function parseUserId(id: string): string {
  if (!isUuid(id)) throw new ApiError("not_found");
  return id.toLowerCase();
}

export async function adminRevokeUser(userId: string): Promise<string[]> {
  return revokeAllSessions(db(), revocationStore(), userId);
}

/** Bans for `hours` (GoTrue ban_duration) and ends every session; tokens die now, not at exp (ASVS 7.4.2). */
export async function adminBanUser(userId: string, hours: number): Promise<string[]> {
  // Revoke first, while the session rows still exist (the ban may end them upstream).
  const ids = await adminRevokeUser(userId);
  const { error } = await createAdminClient().auth.admin.updateUserById(userId, { ban_duration: `${hours}h` });
  if (error) throw new ApiError(error.status === 404 ? "not_found" : "unavailable");
  return ids;
}

export async function adminDeleteUser(userId: string): Promise<string[]> {
  // Revoke first: once the user row is gone its sessions cascade away and we could no longer list them.
  const ids = await adminRevokeUser(userId);
  const { error } = await createAdminClient().auth.admin.deleteUser(userId);
  if (error) throw new ApiError(error.status === 404 ? "not_found" : "unavailable");
  return ids;
}
