# Mutual Voice in a container: the README's install command, the bot as the command,
# everything it keeps in /data (mount a volume there, with mutual-voice.toml in it).
#
#   docker build -t mutual-voice .
#   docker run -d --name mutual-voice -v mutual-voice:/data -p 8080:8080 mutual-voice
#   docker exec mutual-voice mutual-voice status
FROM python:3.11-slim
WORKDIR /src
COPY . /src
RUN python3 -m pip install .
RUN useradd --system --create-home --home-dir /data mutual-voice
USER mutual-voice
WORKDIR /data
VOLUME /data
ENV MUTUAL_VOICE_CONFIG=/data/mutual-voice.toml
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=60s --timeout=20s CMD ["mutual-voice", "status"]
CMD ["mutual-voice", "run"]
