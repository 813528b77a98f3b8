# Rails 6.1 + sprockets-rails reading a Kiln build, configured as README.md's "Use with Rails"
# says. test/interop.test.mjs runs it:
#   ruby rails_reader.rb APP_ROOT render [NAME...]  → JSON: the tags and paths the helpers render in a request,
#                                                     the response's status and the manifest Sprockets read
#   ruby rails_reader.rb APP_ROOT precompile NAME   → Sprockets::Manifest#compile (what assets:precompile runs) of
#                                                     app/assets/javascripts/NAME into public/assets
#   ruby rails_reader.rb APP_ROOT propshaft NAME... → public/assets/.manifest.json read as Propshaft reads it
# MANIFEST=path sets config.assets.manifest (and the manifest precompile writes), as the README says to.
require "json"
require "logger"

root, command, *names = ARGV

if command == "propshaft"
  # Propshaft::Manifest.from_path and Resolver::Static#resolve: { logical => { digested_path, integrity } }
  # (or the older { logical => digested_path }), URLs under config.assets.prefix.
  manifest = JSON.parse(File.read(File.join(root, "public/assets/.manifest.json")))
  out = names.to_h do |name|
    entry = manifest[name]
    next [name, { "error" => "Propshaft::MissingAssetError" }] unless entry
    digested, integrity = entry.is_a?(String) ? [entry, nil] : [entry["digested_path"], entry["integrity"]]
    [name, { "url" => File.join("/assets", digested), "integrity" => integrity }]
  end
  puts JSON.generate(out)
  exit
end

require "rails"
require "action_controller/railtie"
require "action_view/railtie"
require "sprockets/railtie"

if command == "precompile"
  env = Sprockets::Environment.new(root)
  env.append_path(File.join(root, "app/assets/javascripts"))
  manifest = Sprockets::Manifest.new(env, File.join(root, "public/assets"), ENV["MANIFEST"])
  manifest.compile(names)
  puts JSON.generate(manifest: manifest.filename, assets: manifest.assets)
  exit
end

class KilnApp < Rails::Application
  config.load_defaults 6.1
  config.eager_load = false
  config.logger = Logger.new(nil)
  config.secret_key_base = "0" * 64
  config.hosts.clear
  # Kiln builds the assets: Rails only reads the manifest.
  config.assets.compile = false
  config.assets.prefix = "/assets"
end
KilnApp.config.root = root
KilnApp.config.assets.manifest = ENV["MANIFEST"] if ENV["MANIFEST"]
KilnApp.initialize!

class PagesController < ActionController::Base
  def show
    render inline: <<~ERB
      <%= raw JSON.generate(
        stylesheet: stylesheet_link_tag("app", integrity: true),
        script: javascript_include_tag("app", type: "module", integrity: true, crossorigin: "anonymous"),
        image: image_path("images/logo.svg"),
        paths: params[:names].to_s.split(",").to_h { |n|
          [n, begin
            asset_path(n)
          rescue => e
            { "error" => e.class.name, "message" => e.message }
          end]
        },
      ) %>
    ERB
  end
end
KilnApp.routes.draw { get "/" => "pages#show" }

# A request from 127.0.0.1: sprockets-rails adds integrity only where SRI is meaningful (local or https).
status, _headers, body = KilnApp.call(Rack::MockRequest.env_for("http://127.0.0.1/?names=#{names.join(",")}", "REMOTE_ADDR" => "127.0.0.1"))
text = +""
body.each { |part| text << part }
puts JSON.generate((status == 200 ? JSON.parse(text) : {}).merge(
  "status" => status,
  "manifest" => KilnApp.assets_manifest.filename,
  "versions" => { "rails" => Rails.version, "sprockets" => Sprockets::VERSION, "sprockets-rails" => Sprockets::Rails::VERSION },
))
