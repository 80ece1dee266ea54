import type { ComponentType } from "react";
import type { SetupState } from "../../../shared/local-api.ts";
import type { Role } from "./roles.ts";

/** What every screen is given by the signed-in layout. */
export interface ScreenProps {
  /** Station, user (with role) and site of this console. */
  setup: SetupState;
  /** The server is reachable now; screens built on `online.*` say so when it is not. */
  online: boolean;
}

/** One entry of the navigation: the hash path it lives at, who may see it, and what it shows. */
export interface ScreenRoute {
  path: string;
  label: string;
  minRole: Role;
  component: ComponentType<ScreenProps>;
}
