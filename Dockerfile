# One image for the platform; the command picks what runs (see docker-compose.yml).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build
ENV HOST=0.0.0.0
EXPOSE 3000 3001
CMD ["node", "--import", "./tools/register-aliases.mjs", "dist/apps/cli/src/main.js", "serve"]
