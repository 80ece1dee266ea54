// The roles the navigation and the screens go by: the server's ranks (contracts), so a screen is
// hidden exactly when the server would refuse its calls. Hiding is convenience; the server decides.
export { hasRole, type UserRole as Role } from "@orderdeck/contracts";
